"""The e-commerce recommender example's Python: data generator, Feast feature repository, training."""
