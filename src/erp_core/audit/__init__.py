"""Audit: verifying the hash chain, signed digests, replay as known at a position, document
trails and exports an auditor can check with other tools."""
