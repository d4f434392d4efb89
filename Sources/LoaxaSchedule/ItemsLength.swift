import LoaxaCore

extension PlannedItem {
    /// How long `items` last together, which is a block's length when it gives none
    /// (SPEC §4): a file its length, a topic item its `count` longest segments, a queue item
    /// nothing. Files that are missing or whose length is unknown count as nothing.
    ///
    /// - Parameter duration: the length in microseconds of the file at an absolute path.
    public static func nominalMicros(
        of items: [PlannedItem], mediaFolder: String, duration: (String) -> Int64?
    ) -> Int64 {
        items.reduce(0) { sum, item in
            switch item {
            case .file(let name):
                guard let path = MediaFile.locate(name, in: mediaFolder), LocalPath.kind(path) == .file else { return sum }
                return sum + max(duration(path) ?? 0, 0)
            case .topic(let topic, let count):
                let lengths = TopicFolder.segments(topic: topic, mediaFolder: mediaFolder, duration: duration)
                    .compactMap(\.durationMicros).sorted(by: >)
                return sum + lengths.prefix(count).reduce(0, +)
            case .queue:
                return sum
            }
        }
    }
}
