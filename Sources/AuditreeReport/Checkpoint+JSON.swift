import AuditreeScan
import Foundation

extension Checkpoint {
    /// The file's bytes: one line of JSON, written as the reports are (`JSONWriter`), keys in
    /// declaration order; `Checkpoint.load` reads it back with `JSONDecoder`.
    public func encoded() throws -> Data { Data(try JSONWriter.encoded(self).utf8) }
}
