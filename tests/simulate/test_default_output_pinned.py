"""The default simulations are pinned byte for byte.

The demo, the benchmarks and the figures in the README were made with these files; a new list
design or population must not move a single byte of them. The digests were taken before the
field NGO list and the Hebrew population were added (`uncounted simulate DIR --seed 1` and
`--lists 6 --victims 5000 --seed 3`). A deliberate change to the default simulation updates
them, and says so in its commit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation

PINNED: dict[tuple[int, int, int], dict[str, str]] = {
    (20000, 4, 1): {
        "family_reports.csv": "b790fe0c40610d66e764024f3722da6d5b1d01c2dbcf354039ef6098cf7329bd",
        "manifest.json": "5252a3cc35e9094891999fc278a42dd0efd293ea93497e56697831ae308b1f29",
        "moh_hospitals.csv": "37ab96cc3f325ed82fdc906ce6ed67e6dacc4065cbb7233b5bd0309a95109a08",
        "ngo_field.csv": "673419674689536d925904b59dcbbf02c9530384a0c1b85667cc5e3f13aa8832",
        "persons.csv": "67a61bb416f58c115cb147187a1a99b07b41769390da42fbabb88de4650baf2c",
        "press_obituaries.csv": "848a7429f766908c3aa9145dae56f9ae563f047b8a8cd1e8f123461bb470f2a4",
        "truth.csv": "b7c69a088e723ecfe0f2fdafea96a5609fdecd89c561e8b4f7a8c91e61a95d61",
        "truth.json": "0ee2baa6a7e9420bcd02fdad3d6661681d9facbd5bab2a2b1ac8022666dca55b",
    },
    (5000, 6, 3): {
        "civil_defence.csv": "d0bacd9e33583af16079a5090de655c15af61652b0ff12646c2497095f2e1b28",
        "family_reports.csv": "869c17e60e08a7d2cce7844f9b8fd172f863ed0e4e2365463fb3970ba56b9592",
        "manifest.json": "6d056edb3905249bd10e86c9978cca4f07cebdd0924fbf3dd7fd70667dcd4750",
        "moh_hospitals.csv": "cf77fe3046e51d097fb435bcc6fbafdeddc223ddcf51bfeee48b2f44aaa65df1",
        "ngo_field.csv": "08ce79873ecc0895a8cb7199b8b7df0bc5528c2c5ee06fde68a52cc3c07fce6e",
        "persons.csv": "3dcecb3bf0b9748271435b56499ebbb7f0b65e34db9d664b47818b78b35dc803",
        "press_obituaries.csv": "9913b4a3fe603b2ca31f58a10b7cf30b2af9a6714fa3692ce21106146cde4a18",
        "truth.csv": "590f9d4f9eb03a1fc59d88fbf66d14b7ef7a3a04e86408d67ed169b039d4ed2a",
        "truth.json": "dc2fcb47fdd7e9a902aa1b21de17dde873c0b5c43500d4bfd684da7221e7adff",
        "un_verified.csv": "a636f776d438ee687c84afc08c63b4510f8f6a404431d850506b8ed91471d6ab",
    },
}


@pytest.mark.parametrize("victims,lists,seed", sorted(PINNED))
def test_default_simulation_is_byte_identical_to_the_pinned_files(
    victims: int, lists: int, seed: int, tmp_path: Path
) -> None:
    config = ConflictConfig(n_victims=victims, n_lists=lists, seed=seed)
    write_simulation(simulate_conflict(config), tmp_path)
    digests = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(tmp_path.iterdir())
    }
    assert digests == PINNED[(victims, lists, seed)]
