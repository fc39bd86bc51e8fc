// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IProvenanceLedger
 * @notice Notary of the supply-chain provenance ledger: who is who (roles, each brand's GS1
 * company prefixes, and the hash of each goods holder's premises) and an append-only hash chain
 * of anchors, each a Merkle root over the items or event hashes of one batch or shipment.
 */
interface IProvenanceLedger {
    /// @notice What an anchored Merkle root commits to.
    enum AnchorKind {
        Registration,
        Shipment,
        Receipt,
        StatusChange,
        Inspection,
        Packing
    }

    /// @notice One anchored root. Packs into two storage slots
    /// (party 20 + kind 1 + count 5 + blockNumber 6 = 32 bytes; anchorHash 32 bytes).
    struct Anchor {
        address party;
        AnchorKind kind;
        uint40 count;
        uint48 blockNumber;
        bytes32 anchorHash;
    }

    /// @notice The company prefix is not 6 to 12 ASCII digits.
    error InvalidPrefix(string prefix);
    /// @notice The account a prefix is bound to does not hold BRAND_ROLE.
    error NotABrand(address account);
    /// @notice The company prefix is already bound to `owner`.
    error PrefixAlreadyBound(string prefix, address owner);
    /// @notice The company prefix and `boundPrefix`, bound to `owner`, nest: one starts with the other.
    /// GS1 company prefixes never nest, so a GTIN belongs to the one bound prefix it starts with.
    error PrefixNests(string prefix, string boundPrefix, address owner);
    /// @notice The company prefix is not bound to `caller`.
    error PrefixNotOwned(string prefix, address caller);
    /// @notice The root has already been anchored; anchors are never overwritten.
    error RootAlreadyAnchored(bytes32 root);
    /// @notice The root is zero.
    error ZeroRoot();
    /// @notice The anchor covers no leaves (count is zero).
    error EmptyAnchor();
    /// @notice `caller` may not anchor roots of this kind through this function.
    error KindNotAllowed(AnchorKind kind, address caller);
    /// @notice `account` holds neither BRAND_ROLE nor CUSTODIAN_ROLE, so it keeps no goods and has no premises.
    error NotAGoodsHolder(address account);
    /// @notice `account` holds none of BRAND_ROLE, CUSTODIAN_ROLE, OFFICER_ROLE or AUDITOR_ROLE, so it is no party
    /// and has no entry in the directory.
    error NotAParty(address account);
    /// @notice A directory name is 1 to 80 bytes of ASCII letters, digits, '-', '_' and '.'.
    error InvalidProfileName(string name);
    /// @notice A service URL is at most 200 bytes of printable ASCII without spaces (empty: no service).
    error InvalidServiceUrl(string url);

    /// @notice A GS1 company prefix was bound to a brand.
    event PrefixBound(string prefix, address indexed brand);
    /// @notice A goods holder committed the hash of its set of premises (zero: it has none).
    event PremisesCommitted(address indexed party, bytes32 premisesHash);
    /// @notice A party published its directory entry: the name it goes by and the URL of its service.
    event ProfilePublished(address indexed party, string name, string url);
    /// @notice A root was appended to the anchor chain.
    event AnchorRecorded(
        uint256 indexed sequence,
        bytes32 indexed root,
        address indexed party,
        AnchorKind kind,
        uint40 count,
        bytes32 metadataHash,
        bytes32 previousAnchorHash,
        bytes32 anchorHash
    );
    /// @notice A brand anchored the Merkle root of a batch of newly registered items.
    event BatchRegistered(bytes32 indexed root, address indexed brand, string companyPrefix);

    /**
     * @notice Binds a GS1 company prefix to a brand. Only the admin; a prefix is bound once, and never
     * beside a bound prefix it starts or extends (PrefixNests): GS1 company prefixes never nest.
     * @dev O(length): checks the bound status of each shorter prefix of `prefix`, and marks each of them
     * as the start of `prefix` so that a later, shorter binding is refused with one lookup.
     * @param prefix The company prefix, 6 to 12 ASCII digits.
     * @param brand An account holding BRAND_ROLE.
     */
    function bindPrefix(string calldata prefix, address brand) external;

    /**
     * @notice Anchors the Merkle root of a batch of items registered by the calling brand.
     * @param root StandardMerkleTree root over (itemId, attributesHash) leaves.
     * @param count Number of items in the batch (non-zero).
     * @param companyPrefix A company prefix bound to the caller.
     * @param metadataHash Hash of the off-chain batch metadata.
     */
    function anchorRegistration(bytes32 root, uint40 count, string calldata companyPrefix, bytes32 metadataHash)
        external;

    /**
     * @notice Anchors the Merkle root of a batch of custody events of the given kind.
     * @param root StandardMerkleTree root over (eventHash) leaves.
     * @param kind Any kind but Registration, allowed for the caller's roles.
     * @param count Number of events in the batch (non-zero).
     * @param metadataHash Hash of the off-chain batch metadata.
     */
    function anchorEvents(bytes32 root, AnchorKind kind, uint40 count, bytes32 metadataHash) external;

    /**
     * @notice Commits the hash of the caller's premises (the places where it keeps goods), so that an
     * index's copy of them can be proven. Only holders of BRAND_ROLE or CUSTODIAN_ROLE.
     * @param hash keccak256 of the ABI-encoded, sorted list of (int64 latitude, int64 longitude,
     * string label), degrees in units of 1e-7; zero for no premises.
     */
    function commitPremises(bytes32 hash) external;

    /**
     * @notice Publishes the caller's own directory entry (replacing its earlier one), so that every
     * organisation on the chain learns the name it goes by and where its service answers. Only holders of
     * BRAND_ROLE, CUSTODIAN_ROLE, OFFICER_ROLE or AUDITOR_ROLE, each for itself.
     * @param name 1 to 80 bytes of ASCII letters, digits, '-', '_' and '.'.
     * @param url The party's service URL, at most 200 bytes of printable ASCII without spaces; "" for none.
     */
    function publishProfile(string calldata name, string calldata url) external;

    /**
     * @notice The directory entry a party last published.
     * @param party The party's address.
     * @return name The published name, or "" if it never published one.
     * @return url The published service URL, or "".
     */
    function profileOf(address party) external view returns (string memory name, string memory url);

    /**
     * @notice The brand a company prefix is bound to.
     * @param prefix The company prefix.
     * @return The brand's address, or address(0) if the prefix is not bound.
     */
    function prefixOwner(string calldata prefix) external view returns (address);

    /**
     * @notice The bound prefix that `prefix` equals, starts or extends, and its brand: what keeps `prefix`
     * from being bound.
     * @param prefix A company prefix, 6 to 12 ASCII digits (else InvalidPrefix).
     * @return boundPrefix The bound prefix, or "" if none conflicts.
     * @return owner Its brand, or address(0).
     */
    function conflictingPrefix(string calldata prefix) external view returns (string memory boundPrefix, address owner);

    /**
     * @notice The premises hash a party last committed.
     * @param party The party's address.
     * @return The hash, or zero if it never committed one.
     */
    function premisesHash(address party) external view returns (bytes32);

    /**
     * @notice The anchor recorded for a root.
     * @param root The Merkle root.
     * @return The anchor; all fields zero if the root was never anchored.
     */
    function getAnchor(bytes32 root) external view returns (Anchor memory);

    /**
     * @notice Whether a root has been anchored.
     * @param root The Merkle root.
     * @return True if the root is anchored.
     */
    function isAnchored(bytes32 root) external view returns (bool);

    /**
     * @notice The head of the anchor hash chain.
     * @return The anchorHash of the latest anchor, or zero before the first.
     */
    function latestAnchorHash() external view returns (bytes32);

    /**
     * @notice The number of anchors recorded; the next anchor's sequence number.
     * @return The anchor count.
     */
    function anchorCount() external view returns (uint64);

    /**
     * @notice Checks that an item belongs to an anchored registration batch.
     * @param root The registration root.
     * @param itemId The item's identifier hash.
     * @param attributesHash The hash of the item's registered attributes.
     * @param proof StandardMerkleTree proof for the leaf (itemId, attributesHash).
     * @return included True if the root is a Registration anchor and the proof holds.
     * @return brand The registering brand, or address(0) if not included.
     */
    function verifyItem(bytes32 root, bytes32 itemId, bytes32 attributesHash, bytes32[] calldata proof)
        external
        view
        returns (bool included, address brand);

    /**
     * @notice Checks that an event hash belongs to an anchored event batch.
     * @param root The event batch root.
     * @param eventHash The event's hash.
     * @param proof StandardMerkleTree proof for the leaf (eventHash).
     * @return included True if the root is an event anchor (not Registration) and the proof holds.
     * @return party The anchoring party, or address(0) if not included.
     * @return kind The anchor's kind, or Registration (0) if not included.
     */
    function verifyEvent(bytes32 root, bytes32 eventHash, bytes32[] calldata proof)
        external
        view
        returns (bool included, address party, AnchorKind kind);
}
