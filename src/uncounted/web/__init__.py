"""uncounted.web"""
