"""Intelligence for enforcement: hotspots, lanes, clone rings, trends, and the risk scores that say what
to inspect first, over the ledger's own records; sharing rules for what each viewer sees.

Owns: the rows the analyses read and their loaders (:mod:`.records`, the only module here that
queries the index, with an Engine), the pure analyses (:mod:`.hotspots`, :mod:`.lanes`,
:mod:`.clones`, :mod:`.trends`, :mod:`.risk`, :mod:`.stats`) and who sees what
(:mod:`.privacy`). Each result keeps the records behind it (scan ids, event hashes, shipment roots).
Also: alerts to the people who must act (:mod:`.alerts`, delivered by webhook, :mod:`.webhooks`, or
e-mail, :mod:`.mail`), and the retention of raw scan places and scanners (:mod:`.retention`), which
keep their own tables.

Imports verify, custody and below; never audit, epcis or the edges (cli, web).
"""
