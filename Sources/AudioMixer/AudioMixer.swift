/// Jitter buffer, levels, speaker choice, mix-minus and encode sharing.
