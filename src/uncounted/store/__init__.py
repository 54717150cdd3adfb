"""uncounted.store"""
