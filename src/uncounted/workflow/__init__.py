"""uncounted.workflow: end-to-end runs that chain the layers (the demo, the project pipeline).

It sits above ``report`` and below the faces: the CLI and the web app call these functions and
only present what they return.
"""
