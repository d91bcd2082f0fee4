extension String {
    /// Whether the two strings are the same bytes. `==` on String is canonical equivalence
    /// (`café` precomposed equals `cafe` and a combining accent); names and values read from a
    /// log are bytes, and two that differ only in their normalization are different ones (two
    /// files of one folder, two users).
    @inlinable package func hasSameBytes(as other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
