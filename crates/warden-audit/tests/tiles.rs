//! C2SP tlog-tiles: paths, entry bundles, and a tile directory written in uneven steps and
//! read back as a third party would.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use warden_audit::hash::{Hash, leaf_hash};
use warden_audit::proof::{
    HashSource, ProofError, consistency_proof, inclusion_proof, root_from_source, verify_inclusion,
};
use warden_audit::tiles::{
    TILE_WIDTH, TileError, TileReader, decode_bundle, encode_bundle, entries_path, tile_path,
    write_tiles,
};
use warden_audit::tree::MemoryTree;

/// Entry `i` of the test log: varied lengths, including empty and near the u16 limit.
fn entry(i: u64) -> Vec<u8> {
    let len = match i % 997 {
        0 => 0,
        1 => 65_535,
        k => (k * 7 % 300) as usize,
    };
    let mut e = i.to_be_bytes().repeat(len / 8 + 1);
    e.truncate(len);
    e
}

#[test]
fn spec_tile_paths() {
    assert_eq!(tile_path(0, 1234067, None), "tile/0/x001/x234/067");
    assert_eq!(tile_path(0, 1234, Some(5)), "tile/0/x001/234.p/5");
    assert_eq!(tile_path(1, 0, None), "tile/1/000");
    assert_eq!(tile_path(2, 999, Some(255)), "tile/2/999.p/255");
    assert_eq!(tile_path(3, 1000, Some(256)), "tile/3/x001/000");
    assert_eq!(entries_path(1234067, None), "tile/entries/x001/x234/067");
    assert_eq!(entries_path(5, Some(17)), "tile/entries/005.p/17");
    assert_eq!(
        tile_path(0, u64::MAX, Some(1)),
        "tile/0/x018/x446/x744/x073/x709/x551/615.p/1"
    );
}

#[test]
fn bundles_round_trip_and_reject_garbage() {
    let big = vec![0xabu8; 65_535];
    let entries: Vec<&[u8]> = vec![b"", b"a", &big, b"\x00\x01"];
    let bytes = encode_bundle(&entries).unwrap();
    assert_eq!(&bytes[..5], b"\x00\x00\x00\x01a");
    assert_eq!(decode_bundle(&bytes).unwrap(), entries);
    assert!(decode_bundle(&[]).unwrap().is_empty());

    let too_big = vec![0u8; 65_536];
    assert!(matches!(
        encode_bundle(&[b"ok", &too_big]),
        Err(TileError::EntryTooLarge {
            index: 1,
            len: 65_536
        })
    ));
    assert!(matches!(
        decode_bundle(&[0]),
        Err(TileError::TruncatedBundle { offset: 0 })
    ));
    assert!(matches!(
        decode_bundle(b"\x00\x01a\x00\x05abc"),
        Err(TileError::TruncatedBundle { offset: 3 })
    ));
    assert!(decode_bundle(&bytes[..bytes.len() - 1]).is_err());
}

fn assert_same(reader: &TileReader, tree: &MemoryTree, size: u64, all_subtrees: bool) {
    assert_eq!(
        root_from_source(reader, size).unwrap(),
        tree.root_at(size).unwrap()
    );
    // Every complete subtree (or, for big trees, those of every level at sampled indices).
    for level in 0..64u8 {
        let count = size >> level;
        if count == 0 {
            break;
        }
        let step = if all_subtrees {
            1
        } else {
            (count / 300).max(1)
        };
        let mut idx: Vec<u64> = (0..count).step_by(step as usize).collect();
        idx.push(count - 1);
        for i in idx {
            assert_eq!(
                reader.subtree(level, i).unwrap(),
                tree.subtree(level, i).unwrap(),
                "subtree ({level}, {i}) at size {size}"
            );
        }
        assert!(reader.subtree(level, count).is_err());
    }
    let step = if all_subtrees { 1 } else { (size / 500).max(1) };
    let root = tree.root_at(size).unwrap();
    for i in (0..size).step_by(step as usize).chain([size - 1]) {
        let proof = inclusion_proof(reader, i, size).unwrap();
        assert_eq!(proof, inclusion_proof(tree, i, size).unwrap());
        verify_inclusion(&tree.leaf(i).unwrap(), i, size, &proof, &root).unwrap();
        assert_eq!(reader.entry(i).unwrap(), entry(i), "entry {i}");
    }
    for old in (0..=size).step_by(step.max(7) as usize).chain([size]) {
        assert_eq!(
            consistency_proof(reader, old, size).unwrap(),
            consistency_proof(tree, old, size).unwrap()
        );
    }
    assert!(matches!(
        reader.entry(size),
        Err(TileError::Proof(ProofError::IndexOutOfRange { .. }))
    ));
}

#[test]
fn tiles_written_in_uneven_steps_read_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let mut tree = MemoryTree::new();
    let mut old = 0;
    let mut earlier = Vec::new();
    for size in [1u64, 255, 256, 257, 600, 70_000, 70_001, 70_144] {
        while tree.size() < size {
            tree.push(leaf_hash(&entry(tree.size())));
        }
        write_tiles(dir.path(), &tree, old, &|i| Some(entry(i))).unwrap();
        old = size;
        let reader = TileReader::new(dir.path(), size);
        assert_eq!(reader.size(), size);
        assert_same(&reader, &tree, size, size <= 600);
        earlier.push(size);
    }
    // Readers of every earlier checkpoint still work: partial tiles are kept.
    for size in earlier {
        let reader = TileReader::new(dir.path(), size);
        assert_eq!(
            root_from_source(&reader, size).unwrap(),
            tree.root_at(size).unwrap()
        );
        assert_eq!(reader.entry(size - 1).unwrap(), entry(size - 1));
    }
    // No temporary files are left behind.
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            assert!(
                !p.file_name().unwrap().to_string_lossy().starts_with('.'),
                "{p:?}"
            );
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
}

#[test]
fn spec_example_sizes_produce_the_spec_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let tree = MemoryTree::from_leaves((0..70_000).map(|i| leaf_hash(&entry(i))));
    write_tiles(dir.path(), &tree, 0, &|i| Some(entry(i))).unwrap();
    let exists = |rel: &str| dir.path().join(rel).is_file();
    // 273 full level-0 tiles, a partial one of width 112, one full level-1 tile, a partial
    // level-1 tile of width 17, and a partial level-2 tile of width 1.
    assert!(exists(&tile_path(0, 272, None)) && !exists(&tile_path(0, 273, None)));
    assert!(exists(&tile_path(0, 273, Some(112))));
    assert!(exists(&tile_path(1, 0, None)) && exists(&tile_path(1, 1, Some(17))));
    assert!(exists(&tile_path(2, 0, Some(1))) && !exists(&tile_path(3, 0, Some(1))));
    assert!(exists(&entries_path(273, Some(112))) && exists(&entries_path(272, None)));
    let tile = fs::read(dir.path().join(tile_path(1, 1, Some(17)))).unwrap();
    assert_eq!(tile.len(), 17 * 32);
    assert_eq!(tile[..32], tree.subtree(8, 256).unwrap());

    // A tree of size 256: a full level-0 tile and a partial level-1 tile of width 1.
    let dir = tempfile::tempdir().unwrap();
    let tree = MemoryTree::from_leaves((0..256).map(|i| leaf_hash(&entry(i))));
    write_tiles(dir.path(), &tree, 0, &|i| Some(entry(i))).unwrap();
    let files = |rel: &str| dir.path().join(rel).is_file();
    assert!(files("tile/0/000") && files("tile/1/000.p/1") && files("tile/entries/000"));
    assert!(!files("tile/0/001.p/0") && !files("tile/0/000.p/256"));
}

fn small_log(dir: &Path, size: u64) -> MemoryTree {
    let tree = MemoryTree::from_leaves((0..size).map(|i| leaf_hash(&entry(i))));
    write_tiles(dir, &tree, 0, &|i| Some(entry(i))).unwrap();
    tree
}

#[test]
fn write_errors_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let tree = MemoryTree::from_leaves((0..300).map(|i| leaf_hash(&entry(i))));
    assert!(matches!(
        write_tiles(dir.path(), &tree, 301, &|i| Some(entry(i))),
        Err(TileError::Proof(ProofError::SizesReversed {
            old_size: 301,
            new_size: 300
        }))
    ));
    assert!(matches!(
        write_tiles(dir.path(), &tree, 0, &|i| (i != 17).then(|| entry(i))),
        Err(TileError::MissingEntry { index: 17 })
    ));
    assert!(matches!(
        write_tiles(dir.path(), &tree, 0, &|i| Some(entry(i + 1))),
        Err(TileError::EntryHashMismatch { index: 0 })
    ));
    // Bundles need earlier entries of a partial bundle too: growing 260 -> 300 asks for 256..
    let asked = std::cell::RefCell::new(Vec::new());
    let f = |i| {
        asked.borrow_mut().push(i);
        Some(entry(i))
    };
    write_tiles(dir.path(), &tree, 260, &f).unwrap();
    assert_eq!(*asked.borrow(), (256..300).collect::<Vec<_>>());
    // An oversized entry cannot be published.
    let big = vec![1u8; 70_000];
    let t = MemoryTree::from_leaves([leaf_hash(&big)]);
    assert!(matches!(
        write_tiles(dir.path(), &t, 0, &|_| Some(big.clone())),
        Err(TileError::EntryTooLarge {
            index: 0,
            len: 70_000
        })
    ));
    // A file where a directory must go.
    let blocked = tempfile::tempdir().unwrap();
    fs::write(blocked.path().join("tile"), b"x").unwrap();
    assert!(matches!(
        write_tiles(blocked.path(), &tree, 0, &|i| Some(entry(i))),
        Err(TileError::Io { .. })
    ));
}

#[test]
fn damaged_tile_directories_give_errors() {
    let dir = tempfile::tempdir().unwrap();
    let tree = small_log(dir.path(), 600);
    let tile0 = dir.path().join(tile_path(0, 0, None));

    // A truncated hash tile.
    let good = fs::read(&tile0).unwrap();
    fs::write(&tile0, &good[..100]).unwrap();
    let r = TileReader::new(dir.path(), 600);
    assert!(matches!(r.subtree(0, 3), Err(ProofError::Malformed(_))));
    assert!(inclusion_proof(&r, 3, 600).is_err());
    // (A proof for leaf 300 needs only the level-1 tile, so it still works.)
    assert!(inclusion_proof(&r, 300, 600).is_ok());

    // A tampered hash tile reads, but proofs from it do not verify.
    let mut bad = good.clone();
    bad[40] ^= 1;
    fs::write(&tile0, &bad).unwrap();
    let r = TileReader::new(dir.path(), 600);
    let proof = inclusion_proof(&r, 0, 600).unwrap();
    assert!(verify_inclusion(&tree.leaf(0).unwrap(), 0, 600, &proof, &tree.root()).is_err());
    assert!(matches!(
        r.entry(1),
        Err(TileError::EntryHashMismatch { index: 1 })
    ));
    fs::write(&tile0, &good).unwrap();

    // A missing tile.
    let partial = dir.path().join(tile_path(0, 2, Some(88)));
    fs::remove_file(&partial).unwrap();
    let r = TileReader::new(dir.path(), 600);
    assert!(matches!(r.subtree(0, 599), Err(ProofError::Io { .. })));
    assert!(matches!(
        r.entry(599),
        Err(TileError::Proof(ProofError::Io { .. }))
    ));

    // Garbage and truncated bundles.
    let bundle = dir.path().join(entries_path(0, None));
    let good = fs::read(&bundle).unwrap();
    fs::write(&bundle, &good[..good.len() - 1]).unwrap();
    let r = TileReader::new(dir.path(), 600);
    assert!(matches!(r.entry(0), Err(TileError::TruncatedBundle { .. })));
    fs::write(&bundle, encode_bundle(&[b"only one"]).unwrap()).unwrap();
    assert!(matches!(
        r.entry(0),
        Err(TileError::BundleWidth {
            expected: 256,
            got: 1,
            ..
        })
    ));
    fs::write(&bundle, b"\xff").unwrap();
    assert!(r.entry(5).is_err());

    // A size beyond what was published.
    let r = TileReader::new(dir.path(), 1 << 40);
    assert!(r.subtree(0, 1000).is_err());
    assert!(root_from_source(&r, 1 << 40).is_err());
    assert!(r.subtree(64, 0).is_err() && r.subtree(63, 1).is_err());
}

#[test]
fn partial_tiles_fall_back_to_full_ones() {
    // The spec lets logs delete a partial tile once the full one exists.
    let dir = tempfile::tempdir().unwrap();
    let mut tree = small_log(dir.path(), 100);
    while tree.size() < 300 {
        tree.push(leaf_hash(&entry(tree.size())));
    }
    write_tiles(dir.path(), &tree, 100, &|i| Some(entry(i))).unwrap();
    fs::remove_file(dir.path().join(tile_path(0, 0, Some(100)))).unwrap();
    fs::remove_file(dir.path().join(entries_path(0, Some(100)))).unwrap();
    let r = TileReader::new(dir.path(), 100);
    assert_eq!(
        root_from_source(&r, 100).unwrap(),
        tree.root_at(100).unwrap()
    );
    assert_eq!(r.entry(99).unwrap(), entry(99));
    assert_eq!(TILE_WIDTH, 256);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decode_bundle_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(entries) = decode_bundle(&bytes) {
            let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(encode_bundle(&refs).unwrap(), bytes);
        }
    }

    #[test]
    fn garbage_tiles_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..9000), level in 0u8..70, index in 0u64..600, size in 0u64..70_000) {
        let dir = tempfile::tempdir().unwrap();
        for rel in [tile_path(0, 0, None), tile_path(0, 0, Some(44)), tile_path(1, 0, Some(1)), entries_path(0, None), entries_path(0, Some(44))] {
            let p = dir.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, &bytes).unwrap();
        }
        let r = TileReader::new(dir.path(), size);
        let _ = r.subtree(level, index);
        let _ = r.entry(index);
        let _ = inclusion_proof(&r, index, size);
        let _: Result<Hash, _> = root_from_source(&r, size);
    }
}
