"""The domain. Plain functions taking an explicit actor; the only layer that commits or emits."""
