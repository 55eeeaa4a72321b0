// An export writer thread that dies as it starts, before it answers anything.
throw new Error('the export writer crashed');
