"""uncounted.estimate"""
