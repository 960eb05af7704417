"""Detection datasets in YOLO layout: import from annotation tools, check, count, merge,
re-split, and export reviewers' decisions from the ticket service (``streetorder dataset``).

Every image is named by its content's SHA-256, so the same photo is one file whatever it was
called in its source, and train/val membership follows from the content alone.
"""
