"""SCORM and H5P packages: validation, manifest parsing, safe extraction, import.

``zipsafe``   validate an archive before extracting, then stream it out safely;
``detection`` tell SCORM from H5P (and name AICC, cmi5, Tin Can as unsupported);
``manifest``  parse ``imsmanifest.xml`` with defusedxml into ``Package.structure``;
``h5p``       validate ``h5p.json``, content, libraries and the file whitelist;
``storage``   publish files under ``packages/<uuid>/``, all or nothing;
``importer``  the services (upload, processing, command-line import);
``errors``    ``Problem`` and ``PackageError``, with every problem code.
"""
