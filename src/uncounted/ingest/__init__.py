"""uncounted.ingest"""
