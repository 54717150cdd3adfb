"""uncounted.simulate"""
