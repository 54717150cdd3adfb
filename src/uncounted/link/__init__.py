"""uncounted.link"""
