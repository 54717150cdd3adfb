"""uncounted.cli"""
