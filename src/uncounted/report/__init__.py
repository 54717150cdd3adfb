"""uncounted.report"""
