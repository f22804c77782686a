"""Everything that touches files: video frames, landmark files, motion-capture readers."""
