#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The entries of a folder and of its subfolders, by `readdir(3)`.
public enum DirectoryTree {
    /// Every entry below `root` (files, folders, links, hidden ones too), as paths relative to
    /// it joined with `/`, in no particular order; subfolders are entered, symbolic links to
    /// folders are not (as Foundation's `FileManager.enumerator(atPath:)`). An unreadable
    /// subfolder is left out; nil when `root` itself cannot be read.
    public static func entries(under root: String) -> [String]? {
        guard let handle = opendir(root) else { return nil }
        var found: [String] = []
        list(handle, folder: root, prefix: "", into: &found)
        return found
    }

    private static func list(_ handle: OpaquePointer, folder: String, prefix: String, into found: inout [String]) {
        var subfolders: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let relative = prefix + name
            found.append(relative)
            var isFolder = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var info = stat()
                isFolder = lstat(path(folder, name), &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            }
            if isFolder { subfolders.append(name) }
        }
        closedir(handle)
        for name in subfolders {
            let inner = path(folder, name)
            guard let handle = opendir(inner) else { continue }
            list(handle, folder: inner, prefix: prefix + name + "/", into: &found)
        }
    }

    private static func path(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
