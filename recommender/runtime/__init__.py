"""What a process holds in memory to serve: the active MF model and the embedding index
(memory-mapped numpy, no torch), and a reader's behaviour as fold-in weights."""
