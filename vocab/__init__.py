"""SKOS vocabularies shipped as Turtle and the closed namespaces the code uses."""
