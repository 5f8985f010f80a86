"""SKOS vocabularies shipped as Turtle and the closed namespaces the code uses.

Importing is cheap: the Turtle is parsed at the first use of a scheme or of :func:`load`.
"""

from .schemes import (
    ACCESS_CONDITION,
    ACCESS_RIGHTS,
    APPLICATION_DOMAIN,
    DCMI_TYPES,
    LANGUAGES,
    LICENCE,
    MEDIA_TYPE,
    OLAC_DISCOURSE_TYPE,
    OLAC_LINGUISTIC_FIELD,
    OLAC_LINGUISTIC_TYPE,
    OLAC_ROLE,
    PORTAL_THEME,
    RECORD_STATE,
    SCHEME_NAMES,
    TEXT_TYPE,
    ConceptScheme,
    UnknownCode,
    VocabularyError,
    code_of,
    concept_for_label,
    concepts,
    label,
    labels,
    load,
    media_type_for,
    scheme_iri,
    scheme_of,
)

__all__ = [
    "ACCESS_CONDITION", "ACCESS_RIGHTS", "APPLICATION_DOMAIN", "DCMI_TYPES", "LANGUAGES", "LICENCE",
    "MEDIA_TYPE", "OLAC_DISCOURSE_TYPE", "OLAC_LINGUISTIC_FIELD", "OLAC_LINGUISTIC_TYPE",
    "OLAC_ROLE", "PORTAL_THEME", "RECORD_STATE", "SCHEME_NAMES", "TEXT_TYPE", "ConceptScheme",
    "UnknownCode", "VocabularyError", "code_of", "concept_for_label", "concepts", "label",
    "labels", "load", "media_type_for", "scheme_iri", "scheme_of",
]
