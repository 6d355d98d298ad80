// TEMPORARY bootstrap placeholder; the analysis owner replaces it.
