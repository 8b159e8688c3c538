"""Courses: modules, activities, SCORM, H5P, progress and completion."""
