"""uncounted.normalize"""
