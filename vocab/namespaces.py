"""Closed namespaces: every RDF term the code uses, spelled once.

A misspelt term fails at import or call time with AttributeError instead of
silently minting a new IRI (rdflib's DCAT and schema.org namespaces only warn).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import URIRef


class Vocabulary:
    """A namespace that knows its terms and refuses any other.

    >>> EX = Vocabulary("http://example.org/", ["a"])
    >>> EX.a
    rdflib.term.URIRef('http://example.org/a')
    >>> EX.b
    Traceback (most recent call last):
    AttributeError: 'b' is not a term of <http://example.org/>
    """

    def __init__(self, base: str, terms: Iterable[str]) -> None:
        self._base = base
        self._terms = {term: URIRef(base + term) for term in terms}

    def __getattr__(self, name: str) -> URIRef:
        try:
            return self._terms[name]
        except KeyError:
            raise AttributeError(f"{name!r} is not a term of <{self._base}>") from None

    def __getitem__(self, name: str) -> URIRef:
        return self.__getattr__(name)

    def __contains__(self, iri: object) -> bool:
        return (
            isinstance(iri, str)
            and iri.startswith(self._base)
            and (iri[len(self._base) :] in self._terms)
        )

    def __iter__(self):
        return iter(self._terms.values())

    @property
    def base(self) -> str:
        return self._base

    def local(self, iri: str) -> str:
        """The term name of ``iri``; raises KeyError when it is not one of ours."""
        if iri not in self:
            raise KeyError(iri)
        return iri[len(self._base) :]


DC15 = [
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
]

# Every DCMI Terms property OLAC 1.1 allows (dcterms.xsd 2008-02-11) plus the encoding schemes.
DCT_REFINEMENTS = [
    "alternative",
    "tableOfContents",
    "abstract",
    "created",
    "valid",
    "available",
    "issued",
    "modified",
    "dateAccepted",
    "dateCopyrighted",
    "dateSubmitted",
    "extent",
    "medium",
    "isVersionOf",
    "hasVersion",
    "isReplacedBy",
    "replaces",
    "isRequiredBy",
    "requires",
    "isPartOf",
    "hasPart",
    "isReferencedBy",
    "references",
    "isFormatOf",
    "hasFormat",
    "conformsTo",
    "spatial",
    "temporal",
    "audience",
    "accrualMethod",
    "accrualPeriodicity",
    "accrualPolicy",
    "instructionalMethod",
    "provenance",
    "rightsHolder",
    "mediator",
    "educationLevel",
    "accessRights",
    "license",
    "bibliographicCitation",
]
DCT_SCHEMES = [
    "LCSH",
    "MESH",
    "DDC",
    "LCC",
    "UDC",
    "Period",
    "W3CDTF",
    "DCMIType",
    "IMT",
    "URI",
    "ISO639-2",
    "ISO639-3",
    "RFC1766",
    "RFC3066",
    "RFC4646",
    "Point",
    "ISO3166",
    "Box",
    "TGN",
]
DCT_CLASSES = [
    "Agent",
    "LicenseDocument",
    "LinguisticSystem",
    "PeriodOfTime",
    "RightsStatement",
    "MediaType",
    "MediaTypeOrExtent",
    "Location",
    "Standard",
    "FileFormat",
    "ProvenanceStatement",
    "Frequency",
]

DCT = Vocabulary("http://purl.org/dc/terms/", DC15 + DCT_REFINEMENTS + DCT_SCHEMES + DCT_CLASSES)
DC = Vocabulary("http://purl.org/dc/elements/1.1/", DC15)
DCMITYPE = Vocabulary(
    "http://purl.org/dc/dcmitype/",
    [
        "Collection",
        "Dataset",
        "Event",
        "Image",
        "InteractiveResource",
        "MovingImage",
        "PhysicalObject",
        "Service",
        "Software",
        "Sound",
        "StillImage",
        "Text",
    ],
)
DCAT = Vocabulary(
    "http://www.w3.org/ns/dcat#",
    [
        "Catalog",
        "CatalogRecord",
        "Dataset",
        "Distribution",
        "DataService",
        "Resource",
        "Relationship",
        "Role",
        "accessURL",
        "endpointURL",
        "service",
        "servesDataset",
        "downloadURL",
        "byteSize",
        "mediaType",
        "compressFormat",
        "packageFormat",
        "keyword",
        "theme",
        "themeTaxonomy",
        "contactPoint",
        "landingPage",
        "distribution",
        "dataset",
        "record",
        "hadRole",
        "startDate",
        "endDate",
        "qualifiedRelation",
        "version",
        "inSeries",
        "spatialResolutionInMeters",
        "temporalResolution",
    ],
)
FOAF = Vocabulary(
    "http://xmlns.com/foaf/0.1/",
    [
        "Agent",
        "Organization",
        "Person",
        "name",
        "mbox",
        "homepage",
        "primaryTopic",
        "page",
        "Document",
    ],
)
VCARD = Vocabulary(
    "http://www.w3.org/2006/vcard/ns#",
    ["Kind", "Individual", "Organization", "fn", "hasEmail", "hasTelephone", "organization-name"],
)
PROV = Vocabulary(
    "http://www.w3.org/ns/prov#",
    [
        "alternateOf",
        "Activity",
        "Agent",
        "Attribution",
        "Entity",
        "agent",
        "qualifiedAttribution",
        "wasDerivedFrom",
        "wasGeneratedBy",
        "wasAssociatedWith",
        "startedAtTime",
        "endedAtTime",
        "used",
        "generated",
        "wasAttributedTo",
        "wasRevisionOf",
        "generatedAtTime",
        "invalidatedAtTime",
    ],
)
SKOS = Vocabulary(
    "http://www.w3.org/2004/02/skos/core#",
    [
        "Concept",
        "ConceptScheme",
        "prefLabel",
        "altLabel",
        "definition",
        "notation",
        "inScheme",
        "hasTopConcept",
        "topConceptOf",
        "exactMatch",
        "closeMatch",
        "broader",
        "narrower",
        "note",
    ],
)
ODRL = Vocabulary(
    "http://www.w3.org/ns/odrl/2/",
    [
        "Policy",
        "Set",
        "Offer",
        "Permission",
        "Prohibition",
        "Duty",
        "Constraint",
        "permission",
        "prohibition",
        "obligation",
        "duty",
        "action",
        "target",
        "assigner",
        "constraint",
        "leftOperand",
        "operator",
        "rightOperand",
        "profile",
        "conflict",
        "hasPolicy",
        "use",
        "reproduce",
        "distribute",
        "derive",
        "attribute",
        "commercialize",
        "sublicense",
        "purpose",
        "dateTime",
        "lteq",
        "eq",
        "prohibit",
        "modify",
        "present",
        "grantUse",  # ODRL 2.2: grant use to third parties (sublicensing)
        "transfer",
        "Action",
        "includedIn",
    ],
)
DQV = Vocabulary(
    "http://www.w3.org/ns/dqv#",
    [
        "QualityMeasurement",
        "Metric",
        "hasQualityMeasurement",
        "isMeasurementOf",
        "value",
        "computedOn",
        "expectedDataType",
    ],
)
# W3C Organization Ontology: registered agencies (repository/accounts/agencies.py)
ORG = Vocabulary("http://www.w3.org/ns/org#", ["FormalOrganization", "subOrganizationOf"])
ADMS = Vocabulary("http://www.w3.org/ns/adms#", ["status", "identifier", "versionNotes"])
LOCN = Vocabulary("http://www.w3.org/ns/locn#", ["geometry"])
# CSV on the Web: the columns of an uploaded CSV file (repository/files/distributions.py)
CSVW = Vocabulary("http://www.w3.org/ns/csvw#", ["tableSchema", "Schema", "column", "Column",
                                                 "name", "datatype"])
SPDX = Vocabulary(
    "http://spdx.org/rdf/terms#",
    [
        "checksum",
        "Checksum",
        "algorithm",
        "checksumValue",
        "ChecksumAlgorithm",
        "checksumAlgorithm_sha256",
        "checksumAlgorithm_md5",
    ],
)
SCHEMA = Vocabulary(
    "http://schema.org/",
    [
        "Dataset",
        "DataDownload",
        "Organization",
        "Person",
        "name",
        "description",
        "keywords",
        "inLanguage",
        "license",
        "creator",
        "publisher",
        "datePublished",
        "dateModified",
        "temporalCoverage",
        "distribution",
        "contentUrl",
        "encodingFormat",
        "contentSize",
        "identifier",
        "url",
    ],
)
RDF_ = Vocabulary(
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    ["type", "value", "Statement", "subject", "predicate", "object", "langString"],
)
RDFS = Vocabulary("http://www.w3.org/2000/01/rdf-schema#", ["label", "comment", "seeAlso"])
XSD = Vocabulary(
    "http://www.w3.org/2001/XMLSchema#",
    [
        "string",
        "date",
        "dateTime",
        "gYear",
        "gYearMonth",
        "integer",
        "nonNegativeInteger",
        "anyURI",
        "boolean",
        "decimal",
        "hexBinary",
        "dayTimeDuration",
    ],
)

# Our own ontology: classes and properties the standards do not have.
YL = Vocabulary(
    "https://w3id.org/yuliao/ns#",
    [
        "Record",  # the catalogue record of one resource (a dcat:CatalogRecord subclass)
        "CorpusDataset",  # described for the corpus through seed 001's form (DatasetShape)
        "LanguageResource",  # imported or harvested from elsewhere (LanguageResourceShape)
        "Tombstone",  # what stays public of a withdrawn or deleted record
        "state",  # → a concept of the record-state scheme
        "localId",  # the local identifier ("00001174", "paradisec.org.au:AC1-013")
        "oaiIdentifier",  # oai:{repositoryIdentifier}:{localId}
        "datestamp",  # xsd:dateTime, UTC, second granularity; changes on every public change
        "revision",  # xsd:integer, counts saved revisions
        "sourceIdentifier",  # identifier at the source it was imported/harvested from
        "sourceDatestamp",  # datestamp at the source
        "sourceFormat",  # metadata format at the source: olac, oai_dc, datagovtw
        "sourceBaseURL",  # the OAI-PMH base URL it was harvested from
        "sourceMetadataNamespace",  # XML namespace of the metadata at the source
        "harvestDate",  # when it was harvested (the source's OAI-PMH responseDate)
        "priorOrigin",  # the source's own OAI provenance of the record (originDescription XML)
        "setSpec",  # an OAI set: of a tombstone, harvested from a source, of a VoID subset
        "rawPayload",  # the payload the record came from (work area only)
        "contentHash",  # SHA-256 of the description's sorted N-Triples (detects unchanged imports)
        "lastLocalId",  # the highest 8-digit local id handed out (work area, catalogue graph)
        "licenseValidUntil",  # xsd:date; absent with licenseValidity permanent
        "licenseValidity",  # → yl:permanent or yl:untilDate
        "permanent",
        "untilDate",
        "accessCondition",  # PARADISEC-style access condition concept
        "textType",  # → text-type concept (seed 001 tag)
        "applicationDomain",  # → application-domain concept (seed 001 tag)
        "portalTheme",  # → portal theme concept (seed 000)
        "plannedRelease",  # 第一階段 / 第二階段 of seed 000's inventory
        "note",  # 備註
        "characterCount",  # of a file's text (a dcat:Distribution), white space not counted
        "tokenCount",  # of a file's text, by the tokenizer yl:tokenizer names
        "tokenizer",  # the tokenizer a yl:tokenCount was counted by
        "textEncoding",  # the character encoding a text file was found in (utf-8, big5, …)
        "jsonArrayKey",  # the member of a JSON file's object holding the array its schema names
        "qualityScore",  # metric IRI of the OLAC-style quality score
        "aiTraining",  # ODRL action: train AI models
        "labelAIOutput",  # ODRL action: mark outputs as AI-generated
        "generateSubstantiallySimilar",  # ODRL action: produce output substantially similar
        "Licence",  # licence concepts (also dct:LicenseDocument)
        # SPARQL text matching (repository/text_match.py): never stored, only queried
        "titleMatches",  # ?dataset yl:titleMatches "text": its titles contain the text
        "textMatches",  # … its titles, descriptions or keywords do
        # the review workflow (repository/workflow/): work area only, never public
        "WorkflowEvent",  # one save or transition of a record (also a prov:Activity)
        "action",  # what the event did: save, submit, approve, return, request-takedown
        "sequence",  # xsd:integer: the event's place in its record's history (1, 2, …)
        "fromState",  # → the record-state concept before the event (absent: a new record)
        "toState",  # → the record-state concept after it
        "reason",  # why a reviewer returned it, or why its provider asks for a takedown
        "takedownDate",  # xsd:date the provider asks the record to be taken down on
        "account",  # the account of whoever acted (an e-mail for a local account)
        "actorName",  # their name as the history shows it
        "actorRole",  # data-provider | agency-admin | platform-admin
        "actorAgency",  # the code of the agency they acted for
        "snapshot",  # a superseded published revision → the work graph keeping its statements
        "lockedRecord",  # a record lock's local id (work area, graph record-locks)
        "lockedAt",  # xsd:dateTime the lock was taken (the store's clock)
        # harvesting (harvest/): sources, runs (prov:Activity), quarantined records
        "HarvestSource",  # a source records are harvested from (also a dcat:DataService)
        "HarvestRun",  # one harvest of one source (also a prov:Activity)
        "QuarantinedRecord",  # a harvested record that could not be taken in, kept with why
        "harvestKind",  # oai-pmh | olac-static | datagovtw
        "metadataPrefix",  # OAI-PMH metadata prefix asked for
        "schedule",  # xsd:dayTimeDuration between scheduled harvests
        "deleteMissing",  # xsd:boolean: withdraw records a full harvest no longer lists
        "harvestedUntil",  # the source's responseDate up to which it is harvested
        "checkpoint",  # rdf:JSON: how far an unfinished run got
        "connectTimeout",  # xsd:decimal seconds to connect, per request of a source's harvest
        "readTimeout",  # xsd:decimal seconds to wait for each read
        "totalTime",  # xsd:decimal seconds a whole response may take to arrive
        "maxBytes",  # xsd:integer: the largest response body taken
        "retries",  # xsd:integer: attempts after the first on connection errors, 429 and 5xx
        "runStatus",  # running | completed | failed
        "fullHarvest",  # xsd:boolean: a run without from
        "recordsNew",
        "recordsUpdated",
        "recordsUnchanged",
        "recordsDeleted",
        "recordsQuarantined",
        "pagesHarvested",
        "errorMessage",  # why a run failed or a record was quarantined
    ],
)

PREFIXES: dict[str, str] = {
    "dct": DCT.base,
    "dc": DC.base,
    "dcmitype": DCMITYPE.base,
    "dcat": DCAT.base,
    "foaf": FOAF.base,
    "vcard": VCARD.base,
    "prov": PROV.base,
    "skos": SKOS.base,
    "odrl": ODRL.base,
    "dqv": DQV.base,
    "adms": ADMS.base,
    "locn": LOCN.base,
    "spdx": SPDX.base,
    "csvw": CSVW.base,
    "schema": SCHEMA.base,
    "rdf": RDF_.base,
    "rdfs": RDFS.base,
    "xsd": XSD.base,
    "yl": YL.base,
    "lexvo": "http://lexvo.org/id/iso639-3/",
    "glottolog": "https://glottolog.org/resource/languoid/id/",
    "ylv": "https://w3id.org/yuliao/vocab/",
}

LEXVO = "http://lexvo.org/id/iso639-3/"
VOCAB_BASE = "https://w3id.org/yuliao/vocab/"


def lexvo(code: str) -> URIRef:
    """The Lexvo IRI of an ISO 639-3 code (not checked here; see vocab.languages)."""
    return URIRef(LEXVO + code)


def concept(scheme: str, code: str) -> URIRef:
    """The IRI of concept ``code`` in our scheme ``scheme`` (not checked here)."""
    return URIRef(f"{VOCAB_BASE}{scheme}/{code}")


def bind_prefixes(graph) -> None:
    """Bind our prefixes on an rdflib graph (for readable serialisations)."""
    for prefix, base in PREFIXES.items():
        graph.bind(prefix, base, override=True, replace=True)
