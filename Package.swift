// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Loaxa",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "loaxad", targets: ["loaxad"]),
        .executable(name: "loaxa", targets: ["loaxa"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System libraries, from Debian's -dev packages.
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CEbur128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        .systemLibrary(name: "COgg", pkgConfig: "ogg", providers: [.apt(["libogg-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CNettle", pkgConfig: "nettle", providers: [.apt(["nettle-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Linux headers Glibc does not bring into Swift (timerfd, prctl).
        .systemLibrary(name: "CLinux"),
        // The renderer's float-to-16-bit loop, in C so that it vectorises.
        .systemLibrary(name: "CSamples"),

        .target(name: "LoaxaCore"),
        .target(
            name: "LoaxaMedia",
            dependencies: [
                "LoaxaCore", "CSndFile", "COgg", "COpus", "CSoxr", "CEbur128", "CNettle", "CSamples",
            ]),
        .target(name: "LoaxaOutput", dependencies: ["LoaxaCore", "CALSA", "CLinux"]),
        .target(
            name: "LoaxaSchedule",
            dependencies: ["LoaxaCore", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(
            name: "LoaxaStore",
            dependencies: [
                "LoaxaCore",
                "CNettle",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .target(name: "LoaxaControl", dependencies: ["LoaxaCore", "CLinux"]),
        // Excel workbooks for the period reports, streamed to disk.
        .target(name: "LoaxaXLSX", dependencies: ["CZlib"]),
        .target(name: "LoaxaReport", dependencies: ["LoaxaCore", "LoaxaSchedule", "LoaxaStore", "LoaxaXLSX"]),
        .target(name: "LoaxaLibrary", dependencies: ["LoaxaCore", "LoaxaMedia", "LoaxaSchedule", "LoaxaStore"]),
        .target(
            name: "LoaxaDaemon",
            dependencies: [
                "LoaxaCore", "LoaxaMedia", "LoaxaOutput", "LoaxaSchedule", "LoaxaStore", "LoaxaControl", "LoaxaLibrary",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "loaxad",
            dependencies: ["LoaxaDaemon", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "loaxa",
            dependencies: [
                "LoaxaCore", "LoaxaMedia", "LoaxaSchedule", "LoaxaStore", "LoaxaControl", "LoaxaLibrary", "LoaxaReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Writes a generated airplay log for the scale benchmark; not installed.
        .executableTarget(name: "loaxa-loggen", dependencies: ["LoaxaCore", "LoaxaStore"]),

        .testTarget(name: "LoaxaCoreTests", dependencies: ["LoaxaCore"]),
        .testTarget(name: "LoaxaScheduleTests", dependencies: ["LoaxaSchedule"]),
        .testTarget(name: "LoaxaStoreTests", dependencies: ["LoaxaStore"]),
        .testTarget(name: "LoaxaMediaTests", dependencies: ["LoaxaMedia"]),
        .testTarget(name: "LoaxaOutputTests", dependencies: ["LoaxaOutput"]),
        .testTarget(name: "LoaxaXLSXTests", dependencies: ["LoaxaXLSX"]),
        .testTarget(name: "LoaxaReportTests", dependencies: ["LoaxaReport", "LoaxaCore", "LoaxaSchedule", "LoaxaStore"]),
        .testTarget(
            name: "LoaxaLibraryTests", dependencies: ["LoaxaLibrary", "LoaxaCore", "LoaxaMedia", "LoaxaSchedule", "LoaxaStore"]),
        .testTarget(
            name: "LoaxaDaemonTests",
            dependencies: ["LoaxaDaemon", "LoaxaCore", "LoaxaStore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "LoaxaIntegrationTests", dependencies: ["LoaxaCore", "LoaxaControl"]),
    ]
)
