// swift-tools-version: 6.2
import PackageDescription

// Strict memory safety checking (docs/architecture.md, "Memory safety"): its warnings are errors
// in every target without raw-memory or C-pointer code; the targets holding the unsafe island's
// files get the warnings only, and scripts/check-unsafe.py fails the test command on any such
// warning outside the island's files.
let strictSafety: [SwiftSetting] = [.strictMemorySafety(), .treatWarning("StrictMemorySafety", as: .error)]
let islandSafety: [SwiftSetting] = [.strictMemorySafety()]

let package = Package(
    name: "auditree",
    products: [
        .executable(name: "auditree", targets: ["auditree"]),
        .library(name: "AuditreeKit", targets: ["AuditreeKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        // libaudit supplies the arch, syscall and record-type tables (Debian: libaudit-dev).
        // No pkgConfig for libaudit and zlib: its flags would link the shared libraries into the
        // release binary too; AuditreeKit's linker settings choose shared or static.
        .systemLibrary(
            name: "CAudit",
            providers: [.apt(["libaudit-dev"])]),
        // zlib reads gzipped logs in place, streaming (Debian: zlib1g-dev).
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]),
        // libauparse is the reference parser; only the tests link it (Debian: libauparse-dev).
        .systemLibrary(
            name: "CAuparse", pkgConfig: "auparse",
            providers: [.apt(["libauparse-dev"])]),
        // One target per pipeline stage (docs/architecture.md): each imports only the stages
        // before it; scripts/check-imports.py (run by scripts/test.sh) checks the import lines.
        // The unsafe island: raw memory and C calls behind safe APIs, so that every other target
        // builds with strict memory safety checking (docs/architecture.md, "Memory safety").
        .target(
            name: "AuditreeSystem",
            dependencies: ["CAudit"],
            // Release builds link libaudit (with its libcap-ng) statically; the others shared.
            linkerSettings: [
                .linkedLibrary("audit", .when(configuration: .debug)),
                .unsafeFlags(
                    ["-Xlinker", "-l:libaudit.a", "-Xlinker", "-l:libcap-ng.a"],
                    .when(platforms: [.linux], configuration: .release)),
            ]),
        .target(name: "AuditreeBase", swiftSettings: islandSafety),
        .target(
            name: "AuditreeInput",
            dependencies: ["AuditreeBase", "CZlib"],
            swiftSettings: islandSafety,
            // Release builds link zlib statically, so the installed binary needs only glibc
            // (docs/install.md); the others link it shared.
            linkerSettings: [
                .linkedLibrary("z", .when(configuration: .debug)),
                .unsafeFlags(["-Xlinker", "-l:libz.a"], .when(platforms: [.linux], configuration: .release)),
            ]),
        .target(
            name: "AuditreeParser",
            dependencies: ["AuditreeSystem", "AuditreeBase", "AuditreeInput", "CAudit"],
            swiftSettings: islandSafety),
        .target(
            name: "AuditreeEvents",
            dependencies: ["AuditreeBase", "AuditreeParser"],
            swiftSettings: strictSafety),
        .target(
            name: "AuditreeTree",
            dependencies: ["AuditreeBase", "AuditreeParser", "AuditreeEvents"],
            swiftSettings: strictSafety),
        .target(
            name: "AuditreeRules",
            dependencies: [
                "AuditreeSystem", "AuditreeBase", "AuditreeParser", "AuditreeEvents", "AuditreeTree",
                .product(name: "Yams", package: "Yams"),
            ],
            // Compiled into the binary (SwiftPM generates `PackageResources`), so an installed
            // auditree needs no resource bundle beside it; the file stays editable here.
            resources: [.embedInCode("default-rules.yaml")],
            swiftSettings: strictSafety),
        .target(
            name: "AuditreeScan",
            dependencies: [
                "AuditreeSystem", "AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeEvents", "AuditreeTree",
                "AuditreeRules",
            ],
            swiftSettings: strictSafety),
        .target(
            name: "AuditreeReport",
            dependencies: [
                "AuditreeSystem", "AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeEvents", "AuditreeTree",
                "AuditreeRules", "AuditreeScan", .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [
                .embedInCode("HTML/Resources/report.mustache"),
                .embedInCode("HTML/Resources/report.css"),
                .embedInCode("HTML/Resources/report.js"),
            ],
            swiftSettings: islandSafety),
        // The library product: re-exports every stage, so `import AuditreeKit` is the whole API.
        .target(
            name: "AuditreeKit",
            dependencies: [
                "AuditreeSystem", "AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeEvents", "AuditreeTree",
                "AuditreeRules", "AuditreeScan", "AuditreeReport",
            ],
            swiftSettings: strictSafety),
        // `auditree --version`: the VERSION file and the git commit, written before each build
        // (scripts/build-info.sh).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(
            name: "auditree",
            dependencies: [
                "AuditreeKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: islandSafety,
            // Release builds link the GCC runtime in (-static-libgcc), so the installed binary
            // needs only glibc; scripts/build-release.sh adds the static Swift runtime,
            // libstdc++ and jemalloc (glibc's malloc is slow to free what the other thread allocated,
            // docs/performance.md). Debug, test and sanitizer builds keep the system allocator.
            linkerSettings: [
                .unsafeFlags(["-Xclang-linker", "-static-libgcc"], .when(platforms: [.linux], configuration: .release))
            ],
            plugins: ["BuildInfo"]),
        // What the test targets share: the package root, the one way to run the built binary, the
        // fixtures' paths and loaders, golden files, and the log builders several suites use. Test
        // code only (built with testability, as the test targets are); no product links it.
        .target(
            name: "TestSupport",
            dependencies: ["AuditreeInput", "AuditreeParser", "AuditreeTree", "AuditreeRules", "AuditreeScan"],
            path: "Tests/TestSupport"),
        // One test target per stage (Tests/Auditree<Stage>Tests), mirroring Sources/; a stage's
        // tests may drive it through later stages (Scanner.run) on whole logs. AuditreeCLITests
        // runs the built binary end to end (CLI.run; `swift build --build-tests` builds it) and reads the
        // executable's own types (`@testable import auditree`: PlainScanArguments against ArgumentParser).
        .testTarget(
            name: "AuditreeSystemTests",
            dependencies: ["AuditreeSystem", "TestSupport"]),
        .testTarget(
            name: "AuditreeInputTests",
            dependencies: ["AuditreeInput", "TestSupport"]),
        .testTarget(
            name: "AuditreeParserTests",
            dependencies: ["AuditreeInput", "AuditreeParser", "CAudit", "CAuparse", "TestSupport"],
            // The tests call libaudit (and zlib through the gzip fixtures) directly.
            linkerSettings: [.linkedLibrary("audit"), .linkedLibrary("z")]),
        .testTarget(
            name: "AuditreeEventsTests",
            dependencies: ["AuditreeInput", "AuditreeParser", "AuditreeEvents", "TestSupport"]),
        .testTarget(
            name: "AuditreeTreeTests",
            dependencies: [
                "AuditreeParser", "AuditreeEvents", "AuditreeTree", "AuditreeScan", "AuditreeReport", "TestSupport",
            ]),
        .testTarget(
            name: "AuditreeRulesTests",
            dependencies: [
                "AuditreeParser", "AuditreeEvents", "AuditreeTree", "AuditreeRules", "AuditreeScan", "AuditreeReport",
                "TestSupport",
            ]),
        .testTarget(
            name: "AuditreeScanTests",
            dependencies: ["AuditreeInput", "AuditreeScan", "AuditreeReport", "CAudit", "TestSupport"],
            // The tests call libaudit (and zlib through the gzip fixtures) directly.
            linkerSettings: [.linkedLibrary("audit"), .linkedLibrary("z")]),
        .testTarget(
            name: "AuditreeReportTests",
            dependencies: [
                "AuditreeBase", "AuditreeParser", "AuditreeEvents", "AuditreeTree", "AuditreeRules", "AuditreeScan",
                "AuditreeReport", "TestSupport",
            ]),
        .testTarget(
            name: "AuditreeCLITests",
            dependencies: [
                "auditree", "AuditreeTree", "AuditreeRules", "AuditreeScan", "AuditreeReport", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
