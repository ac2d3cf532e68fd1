//! The contract suite every store backend runs against itself (written with the backends).
