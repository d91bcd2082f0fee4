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
        .target(
            name: "AuditreeKit",
            dependencies: [
                "CAudit", "CZlib", .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // Compiled into the binary (SwiftPM generates `PackageResources`), so an installed
            // auditree needs no resource bundle beside it; the files stay editable here.
            resources: [
                .embedInCode("Rules/default-rules.yaml"),
                .embedInCode("Report/HTML/Resources/report.mustache"),
                .embedInCode("Report/HTML/Resources/report.css"),
                .embedInCode("Report/HTML/Resources/report.js"),
            ],
            // Release builds link libaudit (with its libcap-ng) and zlib statically, so the
            // installed binary needs only glibc (docs/install.md); the others link them shared.
            linkerSettings: [
                .linkedLibrary("audit", .when(configuration: .debug)),
                .linkedLibrary("z", .when(configuration: .debug)),
                .unsafeFlags(
                    ["-Xlinker", "-l:libaudit.a", "-Xlinker", "-l:libcap-ng.a", "-Xlinker", "-l:libz.a"],
                    .when(platforms: [.linux], configuration: .release)),
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
            // libstdc++ and jemalloc (glibc's malloc made the two-thread scan about 9 % slower,
            // docs/performance.md). Debug, test and sanitizer builds keep the system allocator.
            linkerSettings: [
                .unsafeFlags(["-Xclang-linker", "-static-libgcc"], .when(platforms: [.linux], configuration: .release)),
            ],
            plugins: ["BuildInfo"]),
        .testTarget(
            name: "AuditreeKitTests",
            dependencies: ["AuditreeKit", "CAudit", "CAuparse"],
            linkerSettings: [.linkedLibrary("audit"), .linkedLibrary("z")]),
    ],
    swiftLanguageModes: [.v6]
)
