// Inflation speed of zlib (streaming, as GzipByteSource inflates: 64 KiB reads, 1 MiB out)
// against libdeflate (whole file in memory, one call), on one gzip file; CPU time only.
//   apt-get install libdeflate-dev
//   cc -O2 bench/inflate-speed.c -o /tmp/inflate-speed -lz -ldeflate
//   /tmp/inflate-speed zlib LOG.gz; /tmp/inflate-speed libdeflate LOG.gz
// Under `valgrind --tool=callgrind` it gives instruction counts. Decided by this: auditree
// keeps zlib (docs/performance.md, "Gzip: inflated on threads of their own").
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <libdeflate.h>
static double cpu(void){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec/1e9;}
int main(int argc,char**argv){
  const char*mode=argv[1],*path=argv[2];
  int fd=open(path,O_RDONLY); long total=0; double t0=cpu();
  if(!strcmp(mode,"zlib")){
    z_stream s; memset(&s,0,sizeof s); inflateInit2(&s,16+MAX_WBITS);
    static unsigned char in[1<<16]; unsigned char*out=malloc(1<<20);
    int ended=0;
    for(;;){
      if(s.avail_in==0){ssize_t n=read(fd,in,sizeof in); if(n<=0)break; s.next_in=in;s.avail_in=n;}
      s.next_out=out;s.avail_out=1<<20;
      int r=inflate(&s,Z_NO_FLUSH); total+=(1<<20)-s.avail_out;
      if(r==Z_STREAM_END){ if(s.avail_in==0){ssize_t n=read(fd,in,sizeof in); if(n<=0)break; s.next_in=in;s.avail_in=n;} inflateReset(&s);}
      else if(r!=Z_OK&&r!=Z_BUF_ERROR){fprintf(stderr,"err %d\n",r);return 1;}
    }
  } else {
    off_t size=lseek(fd,0,SEEK_END); lseek(fd,0,SEEK_SET);
    unsigned char*in=malloc(size); long got=0; while(got<size){ssize_t n=read(fd,in+got,size-got); if(n<=0)break; got+=n;}
    unsigned isize; memcpy(&isize,in+size-4,4);
    unsigned char*out=malloc(isize); struct libdeflate_decompressor*d=libdeflate_alloc_decompressor();
    size_t inused,outn;
    int r=libdeflate_gzip_decompress_ex(d,in,size,out,isize,&inused,&outn); if(r){fprintf(stderr,"err %d\n",r);return 1;}
    total=outn;
  }
  double t1=cpu(); printf("%s: %ld bytes, %.3f s CPU, %.0f MB/s\n",mode,total,t1-t0,total/(t1-t0)/1e6); return 0;
}
