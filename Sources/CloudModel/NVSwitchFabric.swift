/// How an HGX baseboard's NVSwitches are shared among VMs (NVIDIA Fabric Manager User Guide,
/// "GPU Partitions" and the virtualization models).
public enum NVSwitchModel: String, Sendable, CaseIterable, Codable {
    /// Shared NVSwitch multitenancy (also the vGPU model): the NVSwitches stay with the host, and a
    /// VM gets NVLink among its GPUs only when they form one of the board's partitions.
    case shared = "shared_nvswitch"
    /// Full passthrough: the NVSwitches are passed to the VM with the GPUs. The board's
    /// passthrough partitions are the only multi-GPU VMs; other VMs get one GPU with NVLink disabled.
    case fullPassthrough = "full_passthrough"
}

/// The Fabric Manager partitions of an NVSwitch baseboard, as sets of 1-based GPU module IDs.
/// Only multi-GPU partitions are listed: every GPU alone is a partition too (without NVLink).
public struct NVSwitchFabric: Hashable, Sendable, Codable {
    /// The board, e.g. `HGX H100 8-GPU`.
    public var board: String
    /// Multi-GPU partitions of the shared NVSwitch and vGPU models.
    public var sharedPartitions: [[Int]]
    /// Multi-GPU partitions of the full-passthrough model.
    public var passthroughPartitions: [[Int]]

    public init(board: String, sharedPartitions: [[Int]], passthroughPartitions: [[Int]]) {
        self.board = board
        self.sharedPartitions = sharedPartitions
        self.passthroughPartitions = passthroughPartitions
    }

    /// The multi-GPU partitions of `model`.
    public func partitions(_ model: NVSwitchModel) -> [[Int]] {
        model == .shared ? sharedPartitions : passthroughPartitions
    }

    enum CodingKeys: String, CodingKey {
        case board
        case sharedPartitions = "shared_partitions", passthroughPartitions = "passthrough_partitions"
    }

    /// HGX H100/H200 8-GPU (third-generation NVSwitch): shared model {1–8}, {1–4}, {5–8}, {1,3},
    /// {2,4}, {5,7}, {6,8}; full passthrough only the whole board.
    public static let hgxH100 = NVSwitchFabric(
        board: "HGX H100 8-GPU",
        sharedPartitions: [
            [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4], [5, 6, 7, 8], [1, 3], [2, 4], [5, 7], [6, 8],
        ],
        passthroughPartitions: [[1, 2, 3, 4, 5, 6, 7, 8]])

    /// HGX A100 8-GPU (second-generation NVSwitch): {1–8}; {1–4}, {5–8}; {1,2}, {3,4}, {5,6},
    /// {7,8} in both models.
    public static let hgxA100 = NVSwitchFabric(
        board: "HGX A100 8-GPU",
        sharedPartitions: [
            [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4], [5, 6, 7, 8], [1, 2], [3, 4], [5, 6], [7, 8],
        ],
        passthroughPartitions: [
            [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4], [5, 6, 7, 8], [1, 2], [3, 4], [5, 6], [7, 8],
        ])
}
