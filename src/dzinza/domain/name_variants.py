"""Name-variant keys: what search stores for every name word and computes again for a query.

A query word and a stored name word match when they share a key. Keys are short strings tagged
by kind so that different kinds never collide:

``g:<group>``
    a given-name group: nicknames, diminutives, register abbreviations and cognates of one
    name ("bill", "wm", "guillermo" -> ``g:william``);
``o:<spelling>``
    a Shona/Ndebele-aware normalised spelling, so old and variant spellings of one name meet
    ("Ndhlovu" and "Ndlovu", "Khumalo" and "Kumalo");
``s:<stem>``
    the spelling with one common Shona or Ndebele noun-class prefix removed, a looser key
    ("Chinyoka" and "Nyoka");
``p:<rest>``
    a surname without its particles ("van der Merwe", "Vandermerwe" -> ``p:merwe``), with
    Mc/M' written Mac.

Inputs are already folded by ``names.fold`` (lower case, accents removed). The functions are
pure; the three key functions are also cached, because indexing calls them for every name word
of every person. The rules, the
sources and what was left out are in ``docs/search-names.md``.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "PARTICLES",
    "bantu_keys",
    "given_keys",
    "given_name_groups",
    "split_particles",
    "surname_keys",
]

PARTICLES: frozenset[str] = frozenset(
    {
        # Dutch and Afrikaans (van der Merwe, ter Blanche, in 't Veld, du Toit, le Roux)
        "van", "der", "den", "de", "ter", "ten", "te", "het", "'t", "op", "in", "du", "le", "la",
        # German
        "von", "vom", "zu", "zum", "zur",
        # French
        "des", "st", "ste", "saint", "sainte",
        # Portuguese, Spanish, Italian (dos Santos, de los Reyes, della Robbia, lo Bianco)
        "da", "das", "do", "dos", "di", "del", "della", "delle", "dei", "degli", "dello",
        "las", "los", "lo",
    }
)  # fmt: skip

# Particles written joined to the surname ("Vandermerwe", "d'Almeida"), longest first. Only
# prefixes that almost never begin an ordinary surname: a joined "de", "du", "le" or "da" would
# turn Dennis, Duncan, Lewis and Davis into particle names, so those are left alone (the joined
# spelling still meets the spaced one through the joined o: key, see surname_keys).
_JOINED_PARTICLES = ("vander", "vanden", "vande", "van", "von", "d'", "l'")
_MIN_AFTER_JOINED = 3  # "vanwyk" -> "wyk" is a real Afrikaans surname; "vance" stays whole

_NON_LETTERS = re.compile(r"[^a-z]+")
_WORD_BREAK = re.compile(r"[\s\-]+")
_EMPTY: frozenset[str] = frozenset()

# --------------------------------------------------------------------------------------------
# Given-name groups. One line per group: the canonical key, then the other members. A word may
# sit in several groups ("chris", "sam"); the key is always a member of its own group. Latin
# forms and suspended abbreviations (Wm, Jno, Thos, Xtopher) are those of English parish
# registers and census books; cognates are Dutch/Afrikaans, German, French, Spanish,
# Portuguese and Italian. See docs/search-names.md.
# --------------------------------------------------------------------------------------------
_GIVEN_NAME_TABLE = """
# Men's names
aaron: aron arao
abraham: abram abe abm bram abrao
adam: adan adao adamo
adolph: adolf adolfo adolphe
adrian: adriaan adriano adrien
alan: allan allen alain
albert: al bert bertie albie alberto albrecht albertus beto
alexander: alex alec alick alexr sandy sasha alejandro alessandro alexandre alasdair alastair alistair alister xander sander sandro
alfonso: alphonse alphonsus afonso alonso alphonso
alfred: al alf alfie fred freddie freddy alfredo
ambrose: ambrosio ambroise ambrogio ambrosius
andrew: andy andw andre andres andreas andries dries drew andrei anders andrea
angus: gus
anthony: tony antony anton antonio antoine anth ant antonius antoon
archibald: archie archy archd
arnold: arnie arnaud arnoldo arnout
arthur: art artie artur arturo arth
augustus: august augusto augustin augustine austin gus agostinho agostino
barnabas: barnaby barney barnabe
bartholomew: bart bartw barth bartolomeu bartolome bartolomeo barthelemy
benedict: ben bennett benito benoit bento benedikt benedetto
benjamin: ben benny benjie benji benjy benj benjn benjamim
bernard: bernie barney bernardo bernhard bernd barnard
bertram: bert bertie bertrand
boniface: bonifacio bonifatius
brian: bryan brien
charles: charlie charley chas chs chaz chuck carl karl carlos carlo charl carolus karel
christian: chris christiaan cristiano christiano xtian kristian cristian
christopher: chris kit topher xtopher xpher xr christoffel stoffel cristobal cristoforo christophe christoph kristoffer cristovao
clement: clem clemente clemens
conrad: konrad kurt curt koenraad koen corrado
cornelius: cornelis kees neels corneel cornelio
cosmo: cosimo cosme
damian: damien damiao damiano
daniel: dan danny danl daan danie daniele
david: dave davy davie davd dai dafydd davide
dennis: denis denys dionysius dionisio denny
derek: derrick deric dirk diederik dietrich thierry theodoric
dominic: dominick dom domingos domingo domenico dominique
donald: don donnie donny donal
douglas: doug dougie
edgar: ed eddie
edmund: ed eddie ned edm edmd edmond edmundo
edward: ed eddie eddy ned ted teddy edw edwd eduardo edoardo edouard eduard duarte lalo
edwin: ed eddie
elijah: elias ellis elia
elisha: eliseu eliseo
emil: emile emilio emiel
emmanuel: manuel manny immanuel emanuel emanuele manolo manoel
erasmus: rasmus erasmo
eric: erik erich
ernest: ernie ernst ernesto
eugene: gene eugenio eugen
ezekiel: zeke
ferdinand: fernando ferdinando nando ferdie ferdy fernand fernao hernando hernan
francis: frank frankie fran fras francisco francesco francois franz frans franciscus chico paco pancho
frederick: fred freddie freddy fritz frederik friedrich federico frederic frik freek fredk fredrick frederico
gabriel: gabe gabriele
geoffrey: jeffrey jeff geoff jeffery
george: geo georgie jorge jorg jurgen giorgio georges georg georgius joris geordie
gerald: gerry jerry
gerard: gerry gerhard gerhardus gerrit gert gerardo gerardus
gervase: jarvis gervais
gilbert: gil gilberto gilb
giles: gil gilles
godfrey: gottfried godfried
gregory: greg gregor gregorio gregoire
gustav: gustavus gustaaf gustavo gustave gus
harold: harry hal harald
hector: heitor ettore
henry: harry hal hank hy hen henery henri henrique enrique enrico heinrich heinz hendrik hendrikus henk hennie hein henricus kike quique
herbert: herb herbie bert bertie
herman: hermanus hermann
hilary: hilario hillary hilaire
hubert: bert hubertus
hugh: hugo hughie hugues huw ugo
humphrey: humph hum humfrey
ignatius: ignacio ignazio inacio ignace nacho
isaac: ike isaak izak isak sakkie isaque
isaiah: isaias
isidore: isidro isidoro
ivo: yves
jacob: jake jakob jacobus koos kobus cobus jaco jaap jacques
james: jim jimmy jimmie jamie jas jem jemmy jaime diego giacomo jacques jacobus seamus hamish
jasper: casper caspar kaspar gaspar gaspard
jeremiah: jeremy jerry jerem jere jeremias
jerome: jerry jeronimo geronimo girolamo hieronymus
joachim: joaquin joaquim quim gioacchino jochem jochen achim
john: johnny johnnie jon jno jack jock juan joao jan jannie johannes johann johan hans hannes ivan sean shaun shawn ian iain evan eoin giovanni gianni jean jens johane
jonah: jonas
jonathan: jonathon jonatan jonth jonathn
joseph: joe joey jos jose ze pepe giuseppe beppe peppe peppino josef jozef sepp josephus
joshua: josh josue
josiah: josias
julian: julien giuliano
julius: julio jules giulio
kenneth: ken kenny
lawrence: larry laurence lawrie laurie lorenzo lourenco laurent lorenz laurens lars lawr
leon: leo leone
leonard: len lenny leo leonardo leonhard lennart
leopold: leo leopoldo
lionel: leonel
louis: lewis lou lew luis luiz luigi ludwig lodewijk lodewyk ludovic ludovico aloysius
lucian: luciano lucien
luke: lucas luca luc lukas
marcel: marcello marcelo marcellus
marius: mario
mark: marc marco marcus marcos markus
martin: marty martyn martinho marthinus martinus tinus maarten martijn
matthew: matt matty mat mathew mattw matthaus mateus mateo matteo mathieu matthieu mattheus
matthias: mathias matthijs matthys thys tijs matias
maurice: morris mauricio maurizio moritz maurits
maximilian: max maximiliano
michael: mike mick mickey micky mikey mich michl micheal miguel michele michel michiel mikhail
miles: milo
moses: moshe moises mozes
nathan: nat nate
nathaniel: nat nate nathl nath nathanael
neil: neal niall nigel
nicholas: nick nicky nico niek klaas klaus claus nicolas nicola nicolau nicolaas nichs nicho nich niccolo
noah: noe
octavius: octavio ottavio
oliver: ollie olly oliv olivier
oscar: oskar
oswald: oswaldo osvaldo
patrick: pat paddy patricio patrice padraig
paul: paulo pablo paolo paulus pavel
percival: percy
peter: pete pieter piet pedro pietro pierre petrus petro petros piers per
philip: phil phill phillip felipe filipe filippo philippe philipp philippus flip pip
quentin: quintin quinton
ralph: raoul raul
raphael: rafael raffaele rafa
raymond: ray raimundo ramon raimondo
reginald: reg reggie reginaldo reinaldo rinaldo renaud
reuben: ruben
richard: dick rick ricky rich richie ritchie richd ric ricardo riccardo ricardus
robert: bob bobby rob robbie robin bert robt roberto robertus rupert beto
roderick: rod roddy rodrigo rui ruy
roger: rog rodger rogerio
roland: rowland rolando orlando
ronald: ron ronnie ronaldo
rudolph: rudolf rudi rudy rolf ruud rodolfo
samuel: sam sammy saml
sebastian: seb bastian sebastiao sebastiano sebastien bas
simon: sim simao
solomon: sol salomon salomao solly
stanley: stan
stephen: steve steven stevie steph stephn stephanus fanie faan stefan stefano esteban estevao etienne stephan
sylvester: silvester silvestre
terence: terry terrance terrence
theodore: ted teddy theo teodoro theodor
thomas: tom tommy thos tho thom tomas tommaso tome
timothy: tim timmy timoteo timotheus
tobias: toby
tristan: tristram
valentine: val valentin valentino
victor: vic vittorio vitor
vincent: vince vinny vinnie vincenzo vicente
walter: walt wally walther wouter
wilfred: wilf fred
william: will willie willy bill billy billie liam wm wilm wim willem wilhelm willi guillaume guillermo guilherme guglielmo gulielmus memo
xavier: javier saverio xavi
zachariah: zach zack zak zachary zacharias zacarias zechariah

# Women's names
abigail: abby abbie abbey abig gail
adelaide: adelheid adelaida heidi
adriana: adrienne
agatha: aggie
agnes: aggie ines inez agnese annis
alexandra: alex alexa sandra sandy sasha alejandra alessandra alexandrina
alice: alicia alison allison alys alix
amelia: amalia amelie
amy: aimee
andrea: andreia
angela: angie
anne: ann anna annie nan nancy nanny nannie anita ana annette anneke nanette
antonia: toni tonia antoinette
barbara: babs barb barbie
beatrice: bea beatrix beatriz trixie
bridget: biddy bridie brigid brigitte birgit brigida
caroline: carolina carolyn carrie carol carole karoline
catherine: kate katie katy kathryn katherine kathleen kathy cathy kitty kit kay cath cathe kath catharina catarina caterina catalina katharina katrina katrin katrien katarina cathrine kathrine karen karin caitlin catriona kathe katya cate
cecilia: cecily cicely cecile sheila
charlotte: lottie lotty lotte carlota carlotta
christine: christina chris chrissie chrissy kristina kristine kristin kirsten kirsty kirstie kerstin christa tina cristina christiane christiana xtiana
clara: clare claire klara chiara
constance: connie constanza
cornelia: corrie
cynthia: cindy
danielle: daniela daniella
deborah: debbie debby deb debra debora
diana: diane dianne di
dolores: lola lolita
dorothy: dolly dot dottie dora dorothea dorothee
edith: edie
eleanor: elinor eleanore ellie nell nellie nelly nora norah leonor leonora lenore elnr eleonora eleonore
elizabeth: eliz elizth elisabeth elisabetta elisabete isabel isabella isabelle isobel isabela elspeth elsie elsa else elise elisa eliza liza liz lizzie lizzy lisa lise liesl liesbeth lisbeth beth betty bettie bette betsy betsey bess bessie bessy libby bella ilse bettina
emily: emilia emilie
emma: emmy
esther: hester hettie hetty ester essie
euphemia: effie phemie
eve: eva evie
evelyn: eveline evelina evie
florence: flo flossie florrie
frances: fran fanny frankie francesca francisca francoise franziska
gabrielle: gabriella gabriela
georgina: georgiana georgie
gertrude: gertie trudy trudie trude truus geertruida gertruida gertrud
gillian: jill gill jillian juliana
grace: gracie graca grazia
hannah: hanna hanne
harriet: hattie hatty
helen: helena helene ellen elena elaine nell nellie nelly lena
henrietta: hettie hetty etta henriette enriqueta
honora: honoria nora
jacqueline: jackie jacquelyn jacqui
jane: janey janie jayne jean jenny sheena sinead
janet: janette jeanette jeannette jessie jenny
jennifer: jenny jen jenifer jennie
jessica: jess jessie
joan: joanna joanne joann johanna jeanne juana joana giovanna jo joanie
josephine: jo josie josefina josefa
judith: judy judit jutta jud
julia: julie juliet juliette giulia
keziah: kezia kizzy
kimberly: kim kimberley
laura: laurie lora laure
leah: lea
letitia: lettice lettie letty leticia
lillian: lilian lily lillie lilly lil
louise: louisa lou luisa luise luiza
lucy: lucia lucie lucille luzia
magdalene: magdalen magdalena madeline madeleine magda maddie marlene madalena lena
margaret: peggy peg meg maggie madge marge margie margery marjorie marjory margt marg margarita margarida margherita marguerite margarethe margaretha margriet grietjie griet gretchen grete greta gretel rita maisie daisy may margot
martha: patty mattie marta marthe
mary: maria marie molly polly mamie mae may mia ria marietjie mitzi maureen mair maire marion manon
matilda: maud maude tilly tillie mattie mathilde matilde
michelle: michele
mildred: millie milly
millicent: millie milly
monica: monique monika
natalie: natalia natasha nathalie
naomi: noemi
nicole: nicola nichola nicky nikki nicolette colette
olivia: livvy livvie
patricia: pat patty patsy tricia trish trisha patrizia
paula: pauline paola paulina
penelope: penny
philippa: pippa phillipa filipa
priscilla: cilla priscila
prudence: prue
rachel: rachael raquel rach
rebecca: becky becca rebekah rebekka reb rebec rebeca
rose: rosa rosie
ruth: ruthie
samantha: sam sammy
sarah: sara sally sadie saartjie sarie
sophia: sophie sofia sophy sofie sonia sonja sonya
stephanie: steph stefanie stefania estefania
susan: susanna susannah suzanne susanne susana sue susie susy suzy suzie sanna sannie
sybil: sibyl
sylvia: silvia
teresa: theresa tessa tess terry therese theresia resi
valerie: val valeria
veronica: veronique veronika
victoria: vicky vickie vicki vic vitoria vittoria tori
virginia: ginny
wilhelmina: mina minnie willemina willemien wilma
winifred: winnie

# Shona and Ndebele: only long names with a short form in everyday use for the same person
kudakwashe: kuda
kudzaishe: kudzai
munyaradzi: munya
rumbidzai: rumbi
simbarashe: simba
tapiwanashe: tapiwa
tinotenda: tino
nkosinathi: nathi
sibusiso: sibu
thandiwe: thandi thandie
thandeka: thandi
lindiwe: lindi
"""


def _parse_groups(table: str) -> dict[str, frozenset[str]]:
    """Canonical key -> members (the key included), from the table above."""
    groups: dict[str, frozenset[str]] = {}
    for raw in table.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, _, rest = line.partition(":")
        key = key.strip()
        if key in groups:  # a repeated key would silently merge two groups
            raise ValueError(f"given-name group {key!r} is defined twice")
        groups[key] = frozenset({key, *rest.split()})
    return groups


def _index_groups(groups: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Member word -> the keys of every group it belongs to."""
    found: dict[str, set[str]] = {}
    for key, members in groups.items():
        for word in members:
            found.setdefault(word, set()).add(key)
    return {word: frozenset(keys) for word, keys in found.items()}


_GROUP_MEMBERS: dict[str, frozenset[str]] = _parse_groups(_GIVEN_NAME_TABLE)
_GROUPS_BY_WORD: dict[str, frozenset[str]] = _index_groups(_GROUP_MEMBERS)


def given_name_groups(word: str) -> frozenset[str]:
    """The canonical keys of the given-name groups ``word`` belongs to; empty if unknown.

    ``"bill"`` -> ``{"william"}``, ``"chris"`` -> ``{"christian", "christine", "christopher"}``.
    Register abbreviations are often written with a full stop ("Wm.", "Jno."), so a word that is
    not found as it stands is looked up again with everything but letters removed.
    """
    groups = _GROUPS_BY_WORD.get(word)
    if groups is None:
        groups = _GROUPS_BY_WORD.get(_NON_LETTERS.sub("", word), _EMPTY)
    return groups


# --------------------------------------------------------------------------------------------
# Shona and Ndebele spelling. Each rule is explained in docs/search-names.md.
# --------------------------------------------------------------------------------------------

# Letters of the Doke (1931-1955) Shona orthography, replaced by digraphs in 1955. ŋ becomes
# "ng'" so that it then follows the n' rule below. Curly apostrophes become straight ones.
_OLD_LETTERS = str.maketrans(
    {
        "\u0253": "b", "\u0181": "b",  # b with hook (implosive b)
        "\u0257": "d", "\u018a": "d",  # d with hook (implosive d)
        "\u028b": "v", "\u01b2": "v",  # v with hook (Shona v; Doke's plain v is today's vh)
        "\u023f": "sv", "\u2c7e": "sv",  # s with swash tail (whistled s)
        "\u0240": "zv", "\u2c7f": "zv",  # z with swash tail (whistled z)
        "\u014b": "ng'", "\u014a": "ng'",  # eng (velar nasal)
        "\u2019": "'", "\u02bc": "'", "`": "'",  # apostrophes
    }
)  # fmt: skip

# The velar nasal before a vowel: Shona writes n' (n'anga), older and English-language text
# writes ng' or ng (nganga). Before a consonant the apostrophe only marks a syllabic n
# (N'Dlovu), and is dropped with the other non-letters.
_VELAR_NASAL = re.compile(r"ng?'(?=[aeiou])")

# An h that only marks aspiration or breathy voice after b, d, k, m, n, p, t, v: the 1955 and
# 1967 Shona spellings bh, dh, vh, mh, nh and the Ndebele th, kh, ph are written without it in
# older records (Kumalo, Mtetwa, Nyati). Not before l, where h belongs to the lateral hl
# (Mhlanga, Nhlanhla).
_MARKER_H = re.compile(r"(?<=[bdkmnptv])h(?!l)")

# Glides that Shona spelling writes and older spellings leave out: y between a vowel and i
# (Tendayi/Tendai, Chinhoyi/Chinhoi), y after i before a vowel (Mariya/Maria), w after o or u
# before a vowel (Mazowe/Mazoe).
_GLIDE = re.compile(r"(?<=[aeiou])y(?=i)|(?<=i)y(?=[aeiou])|(?<=[ou])w(?=[aeiou])")

# The Ndebele augment i-/u- before a nasal and a consonant, which colonial records kept and
# current usage drops (Inyanga/Nyanga, Umzilikazi/Mzilikazi, Inyati/Nyathi). A doubled nasal
# (Innes, Immanuel) is not an augment.
_AUGMENT = re.compile(r"[iu](?=[mn][^aeioumn])")

# Mu- written M- before a consonant it does not form a cluster with (Mutoko/Mtoko,
# Mutasa/Mtasa); mb, mp, mv, mf, mh, mw, my and mc are left alone.
_SYNCOPE = re.compile(r"mu(?=[dgjklnrstz])")

_DOUBLED = re.compile(r"(.)(?=\1)")  # deletes all but the last of a run
_LONE_C = re.compile(r"c(?!h)")

_MIN_STEM = 4
_VOWELS = frozenset("aeiou")

# Noun-class and honorific prefixes removed for the s: key, longest first, with the letters the
# stem may start with. Shona: zvi- (class 8), chi- (class 7), va- (the honorific of VaMoyo),
# ma- (class 6), mu- (classes 1 and 3); Ndebele um-/m- (class 1 and 3, and Shona mu- written
# short) and the augment u- (uMoyo, uSibanda).
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")
_PREFIXES: tuple[tuple[str, frozenset[str]], ...] = (
    ("zvi", _CONSONANTS),
    ("chi", _CONSONANTS),
    ("va", _CONSONANTS),
    ("ma", _CONSONANTS),
    ("mu", _CONSONANTS - {"h"}),  # Muhammad is not a prefixed Hamad
    ("m", frozenset("dgjklnrstz")),  # the consonants _SYNCOPE writes m- before
    ("u", _CONSONANTS),
)


def _normalise(letters: str, tsh: str) -> tuple[str, bool]:
    """Apply the spelling rules until nothing changes, so the result is its own normal form.

    ``tsh`` is what Ndebele "tsh" is rewritten to ("ch" or "sh"); the flag says whether there
    was one. Every rule shortens the word when it applies, so the loop ends.
    """
    saw_tsh = False
    while True:
        if "tsh" in letters:
            saw_tsh = True
            word = letters.replace("tsh", tsh)
        else:
            word = letters
        word = _MARKER_H.sub("", word.replace("dhl", "dl"))
        word = _GLIDE.sub("", word)
        if len(word) > _MIN_STEM and _AUGMENT.match(word):
            word = word[1:]
        if len(word) > _MIN_STEM + 1 and _SYNCOPE.match(word):
            word = "m" + word[2:]
        word = _DOUBLED.sub("", word)
        if word == letters:
            return word, saw_tsh
        letters = word


def _stem(spelling: str) -> str | None:
    """The spelling with one prefix removed, or itself; None when too short to be a stem."""
    for prefix, starts in _PREFIXES:
        if spelling.startswith(prefix):
            stem = spelling[len(prefix) :]
            # A lone c is English (Macdonald, Mcbride): Shona writes c only in ch.
            if len(stem) >= _MIN_STEM and stem[0] in starts and not _LONE_C.match(stem):
                return stem
    # An unprefixed word is its own stem, so that "nyoka" meets "chinyoka". Stems start with a
    # consonant, so a word starting with a vowel can never meet one and gets no s: key.
    if len(spelling) >= _MIN_STEM and spelling[0] not in _VOWELS:
        return spelling
    return None


@lru_cache(maxsize=16384)
def bantu_keys(word: str) -> frozenset[str]:
    """Keys that make Shona and Ndebele spelling variants of one name word meet.

    Always the normalised spelling ``o:...`` (two when the word has Ndebele tsh), and ``s:...``:
    the stem with a noun-class prefix removed, or the spelling itself when it could be such a
    stem. ``"chinyoka"`` -> ``{"o:chinyoka", "s:nyoka"}``; ``""`` -> ``{}``.
    """
    letters = _NON_LETTERS.sub("", _VELAR_NASAL.sub("ng", word.translate(_OLD_LETTERS)))
    if not letters:
        return _EMPTY
    spelling, saw_tsh = _normalise(letters, "ch")
    spellings = [spelling]
    if saw_tsh:
        # Ndebele tsh is the sound Shona writes ch, and Zulu records write sh
        # (Tshabalala/Shabalala): a word with tsh gets both spellings.
        spellings.append(_normalise(letters, "sh")[0])
    keys: set[str] = set()
    for spelling in spellings:
        keys.add("o:" + spelling)
        stem = _stem(spelling)
        if stem is not None:
            keys.add("s:" + stem)
    return frozenset(keys)


@lru_cache(maxsize=16384)
def given_keys(word: str) -> frozenset[str]:
    """Tagged keys of one given-name word: ``g:<group>`` for each group, plus its bantu keys.

    A hyphenated word ("jean-paul") gives the keys of each part, so "Paul" finds it.
    """
    keys: set[str] = set()
    for part in _WORD_BREAK.split(word):
        if part:
            keys.update("g:" + group for group in given_name_groups(part))
            keys |= bantu_keys(part)
    return frozenset(keys)


def split_particles(surname: str) -> tuple[str, str]:
    """Split leading particles from a folded surname: ``"van der merwe"`` -> ``("van der", "merwe")``.

    A surname without particles, or made of nothing but particles (``"de"``), comes back whole
    as ``("", surname)``. Spaces are squeezed; a particle may carry a full stop ("st. john").
    """
    words = surname.split()
    count = 0
    while count < len(words) and words[count].rstrip(".") in PARTICLES:
        count += 1
    if count in (0, len(words)):
        return "", " ".join(words)
    return " ".join(words[:count]), " ".join(words[count:])


def _mac(rest: str) -> str:
    """Mc and M' written as Mac, the spelling variation of Scottish and Irish surnames."""
    if rest.startswith(("mc", "m'")):
        return "mac" + rest[2:]
    return rest


_MIN_AFTER_MAC = 3  # "mack", "macey" and "mace" are not Mac names


@lru_cache(maxsize=16384)
def surname_keys(surname: str) -> frozenset[str]:
    """Tagged keys for a whole folded surname.

    ``p:<rest>`` when the surname had particles, separate ("van der merwe") or joined
    ("vandermerwe", "d'almeida"), or starts Mac/Mc/M'; the bantu keys of each word that is not
    a particle (words split at spaces and hyphens); and, with separate particles, the ``o:``
    spelling of the whole surname written solid, so "du toit" and "dutoit" meet. "merwe",
    "van der merwe" and "vandermerwe" all share ``o:merwe``.
    """
    particles, rest = split_particles(surname)
    words = [w for w in _WORD_BREAK.split(rest) if w]
    if not words:
        return _EMPTY
    keys: set[str] = set()
    named = [w for w in words if w.rstrip(".") not in PARTICLES] or words
    for word in named:
        keys |= bantu_keys(word)
    if particles:
        keys.add("p:" + _mac(rest))
        # The surname written solid, so "du toit" meets "dutoit". Only its spelling: a stem of
        # "vandermerwe" ("ndermerwe", after the honorific va-) would be noise.
        keys.update(k for k in bantu_keys(particles + rest) if k.startswith("o:"))
    first = words[0]
    for prefix in _JOINED_PARTICLES:
        if first.startswith(prefix) and len(first) - len(prefix) >= _MIN_AFTER_JOINED:
            stripped = first[len(prefix) :]
            keys.add("p:" + _mac(" ".join([stripped, *words[1:]])))
            keys |= bantu_keys(stripped)
            break
    if (first.startswith(("mc", "m'")) and len(first) - 2 >= _MIN_AFTER_MAC) or (
        first.startswith("mac") and len(first) - 3 >= _MIN_AFTER_MAC
    ):
        keys.add("p:" + _mac(rest))
    return frozenset(keys)
