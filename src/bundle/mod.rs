//! Stub: open directories, tarballs, `.gz` files and stdin; recognise layouts.
