// swift-tools-version: 6.1
import PackageDescription

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
        // before it, Tests/ArchitectureTests checks the import lines against that graph.
        .target(name: "AuditreeBase"),
        .target(
            name: "AuditreeInput",
            dependencies: ["AuditreeBase", "CZlib"],
            // Release builds link zlib statically, so the installed binary needs only glibc
            // (docs/install.md); the others link it shared.
            linkerSettings: [
                .linkedLibrary("z", .when(configuration: .debug)),
                .unsafeFlags(["-Xlinker", "-l:libz.a"], .when(platforms: [.linux], configuration: .release)),
            ]),
        .target(
            name: "AuditreeParser",
            dependencies: ["AuditreeBase", "AuditreeInput", "CAudit"],
            // Release builds link libaudit (with its libcap-ng) statically; the others shared.
            linkerSettings: [
                .linkedLibrary("audit", .when(configuration: .debug)),
                .unsafeFlags(
                    ["-Xlinker", "-l:libaudit.a", "-Xlinker", "-l:libcap-ng.a"],
                    .when(platforms: [.linux], configuration: .release)),
            ]),
        .target(
            name: "AuditreeEvents",
            dependencies: ["AuditreeBase", "AuditreeParser"]),
        .target(
            name: "AuditreeTree",
            dependencies: ["AuditreeBase", "AuditreeParser", "AuditreeEvents"]),
        .target(
            name: "AuditreeRules",
            dependencies: [
                "AuditreeBase", "AuditreeParser", "AuditreeEvents", "AuditreeTree",
                .product(name: "Yams", package: "Yams"),
            ],
            // Compiled into the binary (SwiftPM generates `PackageResources`), so an installed
            // auditree needs no resource bundle beside it; the file stays editable here.
            resources: [.embedInCode("default-rules.yaml")]),
        .target(
            name: "AuditreeScan",
            dependencies: ["AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeEvents", "AuditreeTree", "AuditreeRules"]),
        .target(
            name: "AuditreeReport",
            dependencies: [
                "AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeEvents", "AuditreeTree", "AuditreeRules",
                "AuditreeScan", .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [
                .embedInCode("HTML/Resources/report.mustache"),
                .embedInCode("HTML/Resources/report.css"),
                .embedInCode("HTML/Resources/report.js"),
            ]),
        // The library product: re-exports every stage, so `import AuditreeKit` is the whole API.
        .target(
            name: "AuditreeKit",
            dependencies: [
                "AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeEvents", "AuditreeTree", "AuditreeRules",
                "AuditreeScan", "AuditreeReport",
            ]),
        // `auditree --version`: the VERSION file and the git commit, written before each build
        // (scripts/build-info.sh).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(
            name: "auditree",
            dependencies: [
                "AuditreeKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release builds link the GCC runtime in (-static-libgcc), so the installed binary
            // needs only glibc; scripts/build-release.sh adds the static Swift runtime,
            // libstdc++ and jemalloc (glibc's malloc is slow to free what the other thread allocated,
            // docs/performance.md). Debug, test and sanitizer builds keep the system allocator.
            linkerSettings: [
                .unsafeFlags(["-Xclang-linker", "-static-libgcc"], .when(platforms: [.linux], configuration: .release)),
            ],
            plugins: ["BuildInfo"]),
        // What the test targets share: the package root and the one way to run the built binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "AuditreeKitTests",
            dependencies: [
                "AuditreeBase", "AuditreeInput", "AuditreeParser", "AuditreeEvents", "AuditreeTree", "AuditreeRules",
                "AuditreeScan", "AuditreeReport", "TestSupport", "CAudit", "CAuparse",
            ],
            linkerSettings: [.linkedLibrary("audit"), .linkedLibrary("z")]),
    ],
    swiftLanguageModes: [.v6]
)
