"""Growing a bureau's own detector: transplant a pretrained backbone, train, evaluate."""
