"""Training LookaheadKV: offline data, ground truth from the model's own answers, the trainer."""
