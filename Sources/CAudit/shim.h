#include <libaudit.h>
