"""Playing packages: file serving and wrapper pages (content origin), launch (platform)."""
