// swift-tools-version: 6.0
import PackageDescription

/// The engine's step path keeps its scratch in class properties (one Machine per worker,
/// never shared), whose every access Swift checks for exclusivity at run time by default;
/// in release builds that check is turned off for the two engine modules (debug builds and
/// tests keep it).
let engineSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "hgm-check",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hgm-check", targets: ["hgm-check"]),
        .executable(name: "hgm-difftest", targets: ["hgm-difftest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The C boundary to libz3 (Debian libz3-dev ships z3.pc).
        .systemLibrary(name: "CZ3", pkgConfig: "z3", providers: [.apt(["libz3-dev"])]),
        // The only module that imports CZ3: a typed Swift facade over Z3.
        .target(name: "HGMSMT", dependencies: ["CZ3"]),
        // Front end: lexer, parser, syntax tree, diagnostics, name resolution, checks.
        .target(name: "HGMSpec"),
        // Semantics: state layout, locks, page-table primitives, invariants, compiled program.
        .target(name: "HGMModel", dependencies: ["HGMSpec"], swiftSettings: engineSettings),
        // The reference semantics: a slow, simple second executor that checks the engine (design.md §9).
        .target(name: "HGMReference", dependencies: ["HGMModel", "HGMSpec"]),
        // Search engine, trace reconstruction, results (and obligation generation).
        .target(name: "HGMCheck", dependencies: ["HGMModel", "HGMSpec", "HGMSMT", "HGMReference"], swiftSettings: engineSettings),
        // Reporters: text and JSON; the search never prints.
        .target(name: "HGMReport", dependencies: ["HGMCheck", "HGMModel", "HGMSpec"]),
        // Random well-formed specs for differential testing (no dependencies).
        .target(name: "HGMSpecGen"),
        // The differential campaign: generated specs, engine vs reference.
        .executableTarget(name: "hgm-difftest", dependencies: ["HGMSpecGen", "HGMCheck", "HGMReference", "HGMModel", "HGMSpec"]),
        .executableTarget(
            name: "hgm-check",
            dependencies: [
                "HGMCheck", "HGMReport", "HGMSpec", "HGMModel", "HGMSMT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "HGMSpecTests", dependencies: ["HGMSpec", "HGMModel"], exclude: ["Malformed", "Crashers"]),
        .testTarget(name: "HGMModelTests", dependencies: ["HGMModel", "HGMSpec"]),
        .testTarget(name: "HGMCheckTests", dependencies: ["HGMCheck", "HGMModel", "HGMSpec", "HGMSMT"]),
        .testTarget(name: "HGMReferenceTests", dependencies: ["HGMReference", "HGMCheck", "HGMModel", "HGMSpec"]),
        .testTarget(name: "HGMSMTTests", dependencies: ["HGMSMT"]),
        .testTarget(name: "HGMReportTests", dependencies: ["HGMReport", "HGMCheck", "HGMModel", "HGMSpec"]),
        .testTarget(name: "HGMSpecGenTests", dependencies: ["HGMSpecGen", "HGMCheck", "HGMReference", "HGMModel", "HGMSpec"],
                    exclude: ["Disagreements"]),
        .testTarget(name: "EndToEndTests", dependencies: ["hgm-check", "HGMModel"]),
    ],
    swiftLanguageModes: [.v6]
)
