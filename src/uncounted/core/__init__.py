"""Shared vocabulary under every layer: errors, canonical field names, identity-number arithmetic.

Every layer may import from here; nothing here imports from a layer.
"""
