"""Products: what brands say their products are, for the officers who must tell genuine from fake.

The product identity and identification guide that rights holders give customs (the WCO's IPM):
per GTIN a name, description, pack size, pictures, the features that tell the genuine product from
a fake (each with text and a picture) and a contact for customs. Only the brand that owns the GTIN's
GS1 company prefix may describe it.

- :mod:`~ledger.products.pictures`: uploads checked as hostile input and re-encoded;
- :mod:`~ledger.products.sheet`: the text a brand gives (:class:`ProductFacts.parse`, :class:`FeatureText.parse`);
- :mod:`~ledger.products.catalogue`: the rule (prefix owner only), writes and reads of the index.

A layer beside ``ledger.custody``: imports ``ledger.index`` and below, never custody, verify or the edges.
"""
