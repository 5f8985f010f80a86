"""Search for people: ranked full-text search of the public records with facets.

- :mod:`.analysis`: how a text becomes the tokens that are indexed and searched (Traditional
  and Simplified Chinese alike, words segmented by jieba with a Taiwan lexicon, CJK bigrams as
  the recall floor, romanised Taiwanese, Hakka and Formosan text with its diacritics folded);
- :mod:`.facets`: what a record is filtered and counted by (text type, application domain,
  language, licence, usable for AI training, access rights, agency, years, source).

The index itself is the public records' text index (:mod:`repository.textindex`), which
holds these fields beside the ones SPARQL's text functions use.
"""
