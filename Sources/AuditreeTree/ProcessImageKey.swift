/// Names one image of one process for the whole scan: images are kept in order and never
/// changed once recorded, so what a consumer derived from an image (the Sigma rules' parent
/// fields) can be kept under its key and reused for every exec that sees the same image.
public struct ProcessImageKey: Hashable, Sendable {
    /// `ProcessReference.id` of the process that ran the image.
    public var process: Int
    /// The image's absolute number in that process.
    public var image: Int
}

extension ProcessReference {
    /// The key of `parentImage` (nil exactly when it is nil), found without copying the image.
    public var parentImageKey: ProcessImageKey? {
        guard let parent = node.parent else { return nil }
        let current = node.parentImageCount > 0 ? node.parentImageCount : min(1, parent.imageCount)
        if current == 0 {
            // `inheritedImage(of: parent)`: the grandparent's image that forked the parent.
            guard parent.forkLinked, let grandparent = parent.parent, parent.parentImageCount > 0 else { return nil }
            return Self.key(of: grandparent, parent.parentImageCount - 1)
        }
        return Self.key(of: parent, current - 1)
    }

    private static func key(of node: ProcessNode, _ number: Int) -> ProcessImageKey? {
        guard number >= node.droppedImages, number < node.imageCount else { return nil }
        return ProcessImageKey(process: node.id, image: number)
    }
}
