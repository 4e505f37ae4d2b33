"""The survey side's I/O: readers per file format, the uploads archive, the
store, exports and the workspace log. Only code here (and the workspace)
touches paths."""
