// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IProvenanceLedger} from "./IProvenanceLedger.sol";

/**
 * @title ProvenanceLedger
 * @notice The chain side of the provenance ledger: roles, each brand's GS1 company prefixes,
 * and an append-only hash chain of anchored Merkle roots. Nothing is ever overwritten or deleted.
 * @dev Leaves follow OpenZeppelin's StandardMerkleTree (double keccak256 of the ABI-encoded values),
 * so proofs from the OpenZeppelin merkle-tree JS library verify here.
 */
contract ProvenanceLedger is IProvenanceLedger, AccessControl {
    /// @notice Brands: bound to company prefixes, register items, ship, receive, pack, change status.
    bytes32 public constant BRAND_ROLE = keccak256("BRAND_ROLE");
    /// @notice Custodians (carriers, warehouses, retailers): ship, receive, pack, change status.
    /// @dev The app also grants each custodian one of keccak256("CARRIER_ROLE"), keccak256("DISTRIBUTOR_ROLE")
    /// or keccak256("RETAILER_ROLE"), so its kind is on record; this contract does not read them.
    bytes32 public constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");
    /// @notice Officers (customs, inspectors): inspect and change status.
    bytes32 public constant OFFICER_ROLE = keccak256("OFFICER_ROLE");
    /// @notice Auditors: read-only, recognised off-chain.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    uint256 private constant _MAX_NAME_LENGTH = 80;
    uint256 private constant _MAX_URL_LENGTH = 200;
    uint256 private constant _MIN_PREFIX_LENGTH = 6;
    uint256 private constant _MAX_PREFIX_LENGTH = 12;

    /// @dev A bound company prefix: its brand, its number of digits and its value (12 digits fit in 40 bits,
    /// so the entry is one slot).
    struct BoundPrefix {
        address owner;
        uint8 length;
        uint40 digits;
    }

    /// @dev A party's directory entry, as it published it.
    struct Profile {
        string name;
        string url;
    }

    /// @dev keccak256(bytes(prefix)) => the bound prefix that `prefix` is (length equal to its own) or starts
    /// (longer: the first bound prefix that extends it; GS1 company prefixes never nest, see bindPrefix).
    mapping(bytes32 prefixKey => BoundPrefix) private _prefixes;
    /// @dev Goods holder => hash of its premises.
    mapping(address party => bytes32 premisesHash) private _premisesHashes;
    /// @dev Party => its published directory entry.
    mapping(address party => Profile) private _profiles;
    /// @dev Merkle root => anchor (two slots).
    mapping(bytes32 root => Anchor) private _anchors;

    /// @dev The chain head is stored biased so that its slots are never zero: a zero-to-non-zero
    /// SSTORE costs 20,000 gas more than a non-zero-to-non-zero one, which would make the very first
    /// anchor cost ~124k gas instead of ~90k. The constructor writes the biased initial values
    /// (latestAnchorHash 0, anchorCount 0); the views undo the bias.
    bytes32 private constant _HEAD_MASK = keccak256("ProvenanceLedger.latestAnchorHash");

    /// @dev latestAnchorHash ^ _HEAD_MASK.
    bytes32 private _maskedLatestAnchorHash;
    /// @dev anchorCount + 1.
    uint64 private _anchorCountPlusOne;

    /**
     * @notice Deploys the ledger.
     * @param admin The account granted DEFAULT_ADMIN_ROLE (onboards parties, binds prefixes).
     */
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _maskedLatestAnchorHash = _HEAD_MASK;
        _anchorCountPlusOne = 1;
    }

    /// @inheritdoc IProvenanceLedger
    function bindPrefix(string calldata prefix, address brand) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint40 digits = _checkPrefix(prefix);
        if (!hasRole(BRAND_ROLE, brand)) revert NotABrand(brand);
        bytes calldata b = bytes(prefix);
        (BoundPrefix memory bound, uint256 boundLength) = _conflict(b);
        if (bound.owner != address(0)) {
            if (boundLength == b.length) revert PrefixAlreadyBound(prefix, bound.owner);
            revert PrefixNests(prefix, _decimal(bound.digits, boundLength), bound.owner);
        }
        uint8 length = uint8(b.length);
        _prefixes[keccak256(b)] = BoundPrefix(brand, length, digits);
        // Mark each shorter prefix as started by this one, unless a sibling marked it already.
        for (uint256 l = _MIN_PREFIX_LENGTH; l < length; ++l) {
            BoundPrefix storage shorter = _prefixes[keccak256(b[:l])];
            if (shorter.owner == address(0)) {
                shorter.owner = brand;
                shorter.length = length;
                shorter.digits = digits;
            }
        }
        emit PrefixBound(prefix, brand);
    }

    /// @inheritdoc IProvenanceLedger
    function commitPremises(bytes32 hash) external {
        if (!hasRole(BRAND_ROLE, msg.sender) && !hasRole(CUSTODIAN_ROLE, msg.sender)) revert NotAGoodsHolder(msg.sender);
        _premisesHashes[msg.sender] = hash;
        emit PremisesCommitted(msg.sender, hash);
    }

    /// @inheritdoc IProvenanceLedger
    function publishProfile(string calldata name, string calldata url) external {
        if (
            !hasRole(BRAND_ROLE, msg.sender) && !hasRole(CUSTODIAN_ROLE, msg.sender) && !hasRole(OFFICER_ROLE, msg.sender)
                && !hasRole(AUDITOR_ROLE, msg.sender)
        ) revert NotAParty(msg.sender);
        if (!_isProfileName(bytes(name))) revert InvalidProfileName(name);
        if (!_isServiceUrl(bytes(url))) revert InvalidServiceUrl(url);
        _profiles[msg.sender] = Profile(name, url);
        emit ProfilePublished(msg.sender, name, url);
    }

    /// @inheritdoc IProvenanceLedger
    function profileOf(address party) external view returns (string memory name, string memory url) {
        Profile storage profile = _profiles[party];
        return (profile.name, profile.url);
    }

    /// @inheritdoc IProvenanceLedger
    function anchorRegistration(bytes32 root, uint40 count, string calldata companyPrefix, bytes32 metadataHash)
        external
        onlyRole(BRAND_ROLE)
    {
        if (_ownerOf(bytes(companyPrefix)) != msg.sender) {
            revert PrefixNotOwned(companyPrefix, msg.sender);
        }
        _record(root, AnchorKind.Registration, count, metadataHash);
        emit BatchRegistered(root, msg.sender, companyPrefix);
    }

    /// @inheritdoc IProvenanceLedger
    function anchorEvents(bytes32 root, AnchorKind kind, uint40 count, bytes32 metadataHash) external {
        if (!_mayAnchor(kind, msg.sender)) revert KindNotAllowed(kind, msg.sender);
        _record(root, kind, count, metadataHash);
    }

    /// @inheritdoc IProvenanceLedger
    function prefixOwner(string calldata prefix) external view returns (address) {
        return _ownerOf(bytes(prefix));
    }

    /// @inheritdoc IProvenanceLedger
    function conflictingPrefix(string calldata prefix) external view returns (string memory boundPrefix, address owner) {
        _checkPrefix(prefix);
        (BoundPrefix memory bound, uint256 boundLength) = _conflict(bytes(prefix));
        if (bound.owner == address(0)) return ("", address(0));
        return (_decimal(bound.digits, boundLength), bound.owner);
    }

    /// @inheritdoc IProvenanceLedger
    function premisesHash(address party) external view returns (bytes32) {
        return _premisesHashes[party];
    }

    /// @inheritdoc IProvenanceLedger
    function getAnchor(bytes32 root) external view returns (Anchor memory) {
        return _anchors[root];
    }

    /// @inheritdoc IProvenanceLedger
    function isAnchored(bytes32 root) external view returns (bool) {
        return _anchors[root].party != address(0);
    }

    /// @inheritdoc IProvenanceLedger
    function latestAnchorHash() public view returns (bytes32) {
        return _maskedLatestAnchorHash ^ _HEAD_MASK;
    }

    /// @inheritdoc IProvenanceLedger
    function anchorCount() external view returns (uint64) {
        return _anchorCountPlusOne - 1;
    }

    /// @inheritdoc IProvenanceLedger
    function verifyItem(bytes32 root, bytes32 itemId, bytes32 attributesHash, bytes32[] calldata proof)
        external
        view
        returns (bool included, address brand)
    {
        Anchor storage anchor = _anchors[root];
        address party = anchor.party;
        if (party == address(0) || anchor.kind != AnchorKind.Registration) return (false, address(0));
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(itemId, attributesHash))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) return (false, address(0));
        return (true, party);
    }

    /// @inheritdoc IProvenanceLedger
    function verifyEvent(bytes32 root, bytes32 eventHash, bytes32[] calldata proof)
        external
        view
        returns (bool included, address party, AnchorKind kind)
    {
        Anchor storage anchor = _anchors[root];
        party = anchor.party;
        kind = anchor.kind;
        if (party == address(0) || kind == AnchorKind.Registration) return (false, address(0), AnchorKind.Registration);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(eventHash))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) return (false, address(0), AnchorKind.Registration);
        return (true, party, kind);
    }

    /// @dev Appends `root` to the anchor chain on behalf of msg.sender.
    function _record(bytes32 root, AnchorKind kind, uint40 count, bytes32 metadataHash) private {
        if (root == bytes32(0)) revert ZeroRoot();
        if (count == 0) revert EmptyAnchor();
        Anchor storage anchor = _anchors[root];
        if (anchor.party != address(0)) revert RootAlreadyAnchored(root);

        bytes32 previousAnchorHash = latestAnchorHash();
        bytes32 anchorHash =
            keccak256(abi.encode(previousAnchorHash, root, uint8(kind), msg.sender, count, metadataHash));
        anchor.party = msg.sender;
        anchor.kind = kind;
        anchor.count = count;
        anchor.blockNumber = uint48(block.number);
        anchor.anchorHash = anchorHash;
        _maskedLatestAnchorHash = anchorHash ^ _HEAD_MASK;
        uint64 next = _anchorCountPlusOne;
        uint64 sequence = next - 1;
        _anchorCountPlusOne = next + 1;

        emit AnchorRecorded(sequence, root, msg.sender, kind, count, metadataHash, previousAnchorHash, anchorHash);
    }

    /// @dev Whether `account` may anchor event roots of `kind` (never Registration: see anchorRegistration).
    function _mayAnchor(AnchorKind kind, address account) private view returns (bool) {
        if (kind == AnchorKind.Shipment || kind == AnchorKind.Receipt || kind == AnchorKind.Packing) {
            return hasRole(BRAND_ROLE, account) || hasRole(CUSTODIAN_ROLE, account);
        }
        if (kind == AnchorKind.StatusChange) {
            return hasRole(BRAND_ROLE, account) || hasRole(CUSTODIAN_ROLE, account) || hasRole(OFFICER_ROLE, account);
        }
        if (kind == AnchorKind.Inspection) return hasRole(OFFICER_ROLE, account);
        return false;
    }

    /// @dev The brand `prefix` is bound to, or address(0) (also when `prefix` only starts a bound prefix).
    function _ownerOf(bytes calldata prefix) private view returns (address) {
        BoundPrefix storage entry = _prefixes[keccak256(prefix)];
        return entry.length == prefix.length ? entry.owner : address(0);
    }

    /// @dev The bound prefix that `prefix` equals or starts (one lookup, thanks to the marks bindPrefix
    /// leaves), else the bound prefix among its shorter prefixes that it extends; and that prefix's length.
    /// Owner zero if none.
    function _conflict(bytes calldata prefix) private view returns (BoundPrefix memory bound, uint256 length) {
        bound = _prefixes[keccak256(prefix)];
        if (bound.owner != address(0)) return (bound, bound.length);
        for (uint256 l = _MIN_PREFIX_LENGTH; l < prefix.length; ++l) {
            bound = _prefixes[keccak256(prefix[:l])];
            if (bound.owner != address(0) && bound.length == l) return (bound, l);
        }
        return (BoundPrefix(address(0), 0, 0), 0);
    }

    /// @dev `digits` written as `length` decimal digits, with leading zeros (a prefix's text).
    function _decimal(uint256 digits, uint256 length) private pure returns (string memory) {
        bytes memory text = new bytes(length);
        for (uint256 i = length; i > 0; --i) {
            text[i - 1] = bytes1(uint8(48 + (digits % 10)));
            digits /= 10;
        }
        return string(text);
    }

    /// @dev Whether `name` is 1 to 80 bytes of ASCII letters, digits, '-', '_' and '.'.
    function _isProfileName(bytes calldata name) private pure returns (bool) {
        uint256 length = name.length;
        if (length == 0 || length > _MAX_NAME_LENGTH) return false;
        for (uint256 i = 0; i < length; ++i) {
            bytes1 c = name[i];
            bool ok = (c >= "0" && c <= "9") || (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c == "-" || c == "_"
                || c == ".";
            if (!ok) return false;
        }
        return true;
    }

    /// @dev Whether `url` is at most 200 bytes of printable ASCII without spaces (0x21 to 0x7e).
    function _isServiceUrl(bytes calldata url) private pure returns (bool) {
        uint256 length = url.length;
        if (length > _MAX_URL_LENGTH) return false;
        for (uint256 i = 0; i < length; ++i) {
            if (url[i] < 0x21 || url[i] > 0x7e) return false;
        }
        return true;
    }

    /// @dev Reverts with InvalidPrefix unless `prefix` is 6 to 12 ASCII digits; returns its value.
    function _checkPrefix(string calldata prefix) private pure returns (uint40 value) {
        bytes calldata b = bytes(prefix);
        uint256 length = b.length;
        if (length < _MIN_PREFIX_LENGTH || length > _MAX_PREFIX_LENGTH) revert InvalidPrefix(prefix);
        for (uint256 i = 0; i < length; ++i) {
            bytes1 c = b[i];
            if (c < "0" || c > "9") revert InvalidPrefix(prefix);
            value = value * 10 + uint8(c) - 48;
        }
    }
}
