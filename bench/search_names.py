"""Name pools and query makers for the search quality benchmark (``bench/search_quality.py``).

The pools are written here by hand, per naming tradition: English, Portuguese (with accents),
Dutch and Afrikaans (with particles), German, French, Shona, Ndebele, Russian (Cyrillic) and
Greek. An entry lists every real spelling of one name (``Stephen|Steven``), its native script
where it has one (``Дмитрий=Dmitri|Dmitry|Dmitriy``: the Latin spellings people write it in),
and for a Shona or Ndebele name with a noun-class prefix where the prefix ends (``Chi+nyoka``).
A surname with a feminine form (Russian, Greek) is written ``masculine ~ feminine``.

Every spelling of an entry names the same person, so the benchmark treats a "John Smyth" as an
equally right answer to "John Smith": entries that share a spelling (English and German
"Elisabeth") are merged into one *name key* (``NameKeys``).

The query makers turn a stored spelling into what someone searching might type: the accents
left out (or put in), a typo, another spelling, a Latin transliteration (or the native script),
a nickname or an old abbreviation, a surname without its particles, a Shona or Ndebele spelling
of another orthography or without its prefix. They are rules applied to the stored name; no
query text is chosen by hand.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from anyascii import anyascii

from dzinza.domain.names import fold


# -- text helpers -------------------------------------------------------------------------------
def strip_accents(text: str) -> str:
    """``João Gonçalves`` -> ``Joao Goncalves`` (case kept; other scripts untouched)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def ascii_key(text: str) -> str:
    """Lower case, no accents, Latin letters, no marks: ``D'Arcy`` -> ``darcy``."""
    folded = fold(text)
    if not folded.isascii():
        folded = anyascii(folded).lower()
    folded = folded.replace("'", "")
    return " ".join(_NOT_ALNUM.sub(" ", folded).split())


PARTICLES = frozenset(
    {"van", "der", "den", "de", "du", "le", "la", "da", "das", "do", "dos", "von", "zu", "zum"}
    | {"ter", "ten", "te", "vander", "vanden"}
)
"""Words in front of a surname that people searching leave out (as the benchmark sees it)."""


def surname_core(surname: str) -> str:
    """The surname without leading particles, ASCII-folded: ``van der Merwe`` -> ``merwe``."""
    words = ascii_key(surname).split()
    while len(words) > 1 and words[0] in PARTICLES:
        words = words[1:]
    return " ".join(words)


def has_particle(surname: str) -> bool:
    words = ascii_key(surname).split()
    return len(words) > 1 and words[0] in PARTICLES


# -- the pools ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Name:
    """One name: its real Latin spellings (the usual one first), its native script (if it is
    written in one) and, for a prefixed Shona or Ndebele name, its prefix."""

    spellings: tuple[str, ...]
    native: str = ""
    prefix: str = ""

    @property
    def main(self) -> str:
        return self.native or self.spellings[0]


@dataclass(frozen=True)
class Surname:
    male: Name
    female: Name

    def for_sex(self, sex: str) -> Name:
        return self.female if sex == "female" else self.male


@dataclass(frozen=True)
class Culture:
    name: str
    weight: float
    male: tuple[Name, ...]
    female: tuple[Name, ...]
    surnames: tuple[Surname, ...]
    native_share: float = 0.0
    """Share of people whose names are stored in the native script (Cyrillic, Greek)."""
    plain_share: float = 0.0
    """Share of people whose names were recorded without their accents."""
    second_given: float = 0.0
    """Share of people with a second given name."""
    married_share: float = 0.7
    """Share of wives recorded with a married name."""
    second_given_from: str = ""
    """Where second given names come from (another culture's pool); default the same pool."""


def _name(spec: str) -> Name:
    spec = spec.strip()
    native = ""
    if "=" in spec:
        native, spec = (s.strip() for s in spec.split("=", 1))
    prefix = ""
    if "+" in spec:
        prefix = spec.split("+", 1)[0]
        spec = spec.replace("+", "")
    return Name(tuple(s.strip() for s in spec.split("|")), native, prefix)


def _names(text: str) -> tuple[Name, ...]:
    return tuple(_name(s) for s in re.split(r"[;\n]", text) if s.strip())


def _surnames(text: str) -> tuple[Surname, ...]:
    out = []
    for spec in re.split(r"[;\n]", text):
        if not spec.strip():
            continue
        if "~" in spec:
            m, f = spec.split("~", 1)
            out.append(Surname(_name(m), _name(f)))
        else:
            n = _name(spec)
            out.append(Surname(n, n))
    return tuple(out)


ENGLISH = Culture(
    "english",
    0.20,
    male=_names(
        """William; John; James; Thomas; George; Charles; Henry; Robert; Edward; Richard; Joseph;
        Samuel; Frederick|Frederic; Arthur; Albert; Walter; Alfred; Harold; Stephen|Steven;
        Philip|Phillip; Matthew|Mathew; Geoffrey|Jeffrey|Jeffery; Alan|Allan|Allen; Francis;
        Benjamin; Daniel; David; Peter; Michael; Andrew; Alexander; Hugh; Ernest|Earnest; Herbert;
        Isaac|Isaack; Nathaniel|Nathanael; Jonathan; Edmund|Edmond"""
    ),
    female=_names(
        """Mary; Elizabeth|Elisabeth; Margaret; Sarah|Sara; Ann|Anne; Catherine|Katherine|Catharine|Kathryn;
        Jane; Emily; Alice; Eleanor|Elinor; Dorothy|Dorothea; Florence; Edith; Ellen; Martha;
        Susan; Hannah|Hanna; Frances; Rebecca|Rebekah; Isabel|Isobel; Harriet|Harriett;
        Charlotte; Emma; Lucy; Grace; Rose; Violet; Agnes; Louisa; Jessie; Ada; Bridget|Brigid;
        Winifred; Mabel"""
    ),
    surnames=_surnames(
        """Smith|Smyth; Johnson|Jonson; Thompson|Thomson|Tomson; Brown|Browne; Clark|Clarke;
        Taylor|Tayler; Wilson; Walker; Wright; Roberts; Robinson; Hall; Green|Greene; Wood;
        Harris; Lewis; Jackson; White; Turner; Cooper; Hill; Ward; Baker; Edwards; Mitchell;
        Phillips|Philips; Campbell; Stewart|Stuart; Reid|Reed; Gray|Grey; Matthews|Mathews;
        Rogers|Rodgers; Harrison; Morgan; Hughes; Collins; Bennett|Bennet; Fletcher; Knight;
        Armstrong; Chapman; Palmer; Lloyd|Loyd; Foster; Carter; Marshall|Marshal;
        Shepherd|Shepard|Sheppard; Macdonald|McDonald|MacDonald; Davies; Evans; Murray|Murrey;
        Kelly|Kelley; Whitehead; Ashworth; Pickering; Houghton|Haughton"""
    ),
    second_given=0.15,
)

PORTUGUESE = Culture(
    "portuguese",
    0.10,
    male=_names(
        """João; José; António|Antônio; Manuel|Manoel; Francisco; Joaquim; Luís|Luiz; Pedro;
        Carlos; Fernando; Tomás|Thomaz; Sebastião; Gonçalo; Duarte; Afonso|Affonso; Henrique;
        Rui|Ruy; Vicente; Miguel; Estêvão; Álvaro; Simão; Bartolomeu; Inácio|Ignácio"""
    ),
    female=_names(
        """Maria; Ana|Anna; Conceição; Inês|Ignez; Teresa|Thereza; Isabel; Francisca; Joana;
        Rosa; Luísa|Luiza; Margarida; Beatriz; Catarina; Helena; Leonor; Sofia|Sophia; Graça;
        Amélia; Júlia; Antónia|Antônia; Fátima; Glória; Assunção; Mércia"""
    ),
    surnames=_surnames(
        """Silva; da Silva; dos Santos; Santos; Ferreira; Pereira; Oliveira; da Costa; Costa;
        Rodrigues; Martins; de Jesus; Sousa|Souza; de Sousa|de Souza; Fernandes; Gonçalves;
        Gomes; Lopes; Marques; Alves; Almeida; Ribeiro; Pinto; Carvalho; Teixeira; Moreira;
        Correia|Corrêa|Correa; Mendes; Nunes; Soares; Vieira; Monteiro; Cardoso; Simões;
        Magalhães; Araújo; Brandão; Guimarães; Gusmão; Conceição; da Cunha; Falcão"""
    ),
    plain_share=0.2,
    second_given=0.35,
)

AFRIKAANS = Culture(
    "afrikaans",
    0.11,
    male=_names(
        """Johannes; Jacobus; Petrus; Hendrik|Hendrick; Cornelis|Cornelius; Gerrit; Willem;
        Pieter; Jan; Andries; Barend; Christiaan; Daniël; Frederik; Gideon; Hermanus;
        Izak|Isak; Stephanus; Marthinus|Martinus; Nicolaas|Nikolaas; Schalk; Abraham; Adriaan;
        Gert; Lodewyk|Lodewijk; Tjaart"""
    ),
    female=_names(
        """Aletta; Anna; Johanna; Susanna|Susannah; Maria; Catharina|Katharina; Magdalena;
        Hester; Sara; Petronella; Cornelia; Geertruida|Gertruida; Jacoba; Wilhelmina;
        Elsie; Martha; Margaretha; Christina; Hendrina; Anneke; Neeltje; Elizabeth|Elisabeth;
        Sophia|Sofia; Louisa; Engela"""
    ),
    surnames=_surnames(
        """van der Merwe; de Villiers; du Plessis; van Wyk; van Rensburg; de Klerk; du Toit;
        van Niekerk; le Roux; de Wet; Botha; Pretorius; Nel; Venter; Fourie; Coetzee|Coetsee;
        Kruger|Krüger; Smit; Steyn; Joubert; Swanepoel; Bezuidenhout; Vermeulen;
        Jansen|Janssen; Pienaar; Visser; de Jager; van den Berg; van Zyl; Engelbrecht; Olivier;
        Viljoen; Erasmus; Marais; Terblanche; Badenhorst; Potgieter; de Beer; van Heerden;
        Oosthuizen|Oosthuysen; van Schalkwyk; du Preez; de Bruyn|de Bruin; van Tonder"""
    ),
    second_given=0.45,
)

GERMAN = Culture(
    "german",
    0.08,
    male=_names(
        """Johann; Friedrich; Wilhelm; Heinrich; Karl|Carl; Georg; Ludwig; Hermann|Herman; Ernst;
        Otto; Gustav|Gustaf; Franz; Jürgen; Günther|Günter; Klaus|Claus; Dieter; Wolfgang;
        Matthias|Mathias; Josef|Joseph; Konrad|Conrad; Rudolf|Rudolph; Bernhard; Siegfried"""
    ),
    female=_names(
        """Anna; Margarethe|Margarete|Margaretha; Elisabeth; Katharina; Maria; Gertrud|Gertrude;
        Luise|Louise; Ursula; Helga; Hildegard; Brigitte; Charlotte; Frieda|Frida; Auguste;
        Wilhelmine; Sophie; Dorothea; Käthe; Lieselotte; Jutta; Mathilde; Ilse"""
    ),
    surnames=_surnames(
        """Müller; Schmidt|Schmitt|Schmid; Schneider; Fischer; Weber; Meyer|Meier|Maier|Mayer;
        Wagner; Becker; Schulz|Schultz|Schulze; Hoffmann|Hofmann|Hoffman; Schäfer; Koch;
        Bauer; Richter; Klein; Wolf|Wolff; Schröder; Neumann; Schwarz|Schwartz;
        Zimmermann|Zimmerman; Braun; Hartmann; Lange; Werner; Krause; Lehmann; Köhler;
        Herrmann|Hermann; König; Jäger; Gärtner; von Bülow; von der Heyde; von Arnim;
        Vogel; Brückner; Förster"""
    ),
    plain_share=0.2,
    second_given=0.3,
)

FRENCH = Culture(
    "french",
    0.06,
    male=_names(
        """Jean; Pierre; Louis; François; Jacques; Michel; André; René; Henri; Philippe;
        Étienne; Guillaume; Nicolas; Antoine; Charles; Joseph; Marcel; Émile; Gérard;
        Théodore; Benoît; Sébastien; Honoré; Jérôme"""
    ),
    female=_names(
        """Marie; Jeanne; Marguerite; Françoise; Anne; Catherine; Louise; Madeleine; Hélène;
        Geneviève; Élise; Thérèse; Cécile; Béatrice; Joséphine; Élodie; Agnès; Émilie; Renée;
        Sylvie; Adèle; Amélie; Mélanie; Noémie"""
    ),
    surnames=_surnames(
        """Martin; Bernard; Dubois; Thomas; Robert; Richard; Petit; Durand; Leroy; Moreau;
        Simon; Laurent; Lefèvre|Lefebvre; Michel; Fournier; Girard; Bonnet; Dupont|Dupond;
        Lambert; Fontaine; Rousseau; Vincent; Gauthier|Gautier; Thibault|Thibaut; Chevalier;
        Perrin; Mercier; Faure; Blanc; Guérin; Boyer; Garnier; Lemaître; Ménard; Hébert;
        de la Tour; du Bois; Béranger; Crémieux; Delacroix"""
    ),
    plain_share=0.2,
    second_given=0.3,
)

SHONA = Culture(
    "shona",
    0.19,
    male=_names(
        """Tendai|Tendayi; Farai|Farayi; Tatenda; Tafadzwa; Tinashe; Tapiwa; Kudakwashe;
        Takudzwa; Tonderai|Tonderayi; Simbarashe; Munyaradzi; Fungai|Fungayi; Tichaona;
        Kudzai|Kudzayi; Tawanda; Anesu; Tanaka; Tapfuma; Garikai|Garikayi; Nyasha; Shingirai;
        Tongai|Tongayi; Chenjerai|Chenjerayi; Tafara; Zvikomborero; Tinotenda;
        Svinurai|Svinurayi"""
    ),
    female=_names(
        """Rudo; Chipo; Nyasha; Rufaro; Chiedza; Tsitsi; Rumbidzai|Rumbidzayi; Vimbai|Vimbayi;
        Tariro; Ruvimbo; Rutendo; Shamiso; Nyarai|Nyarayi; Fadzai|Fadzayi;
        Chengetai|Chengetayi; Tsungai|Tsungayi; Muchaneta; Kudzai|Kudzayi; Tendai|Tendayi;
        Ropafadzo; Nyemudzai; Svetai; Tatenda; Chiratidzo; Tapiwa; Netsai|Netsayi; Tsvakai|Tsvakayi"""
    ),
    surnames=_surnames(
        """Moyo; Chi+nyoka; Mutasa; Chi+gumba; Mhlanga; Dube; Sibanda; Gumbo; Shumba;
        Ma+pfumo; Ma+dziva; Ma+rufu; Makoni; Nyandoro; Chi+kore; Mu+shonga; Chidzikwe;
        Chitepo; Mawere; Mandaza; Zvobgo; Hwata; Mu+chena; Chi+mombe; Chakanyuka; Gwatidzo;
        Machingura; Mugova; Nyamayaro; Chikwanha; Mudzingwa; Zindoga; Mukonoweshuro; Murwira;
        Chi+webvu; Mazvimba; Svosve; Zvinavashe; Musariri; Mutambara; Zvimba; Zvarevashe;
        Mutsvangwa; Tsvangirai"""
    ),
    second_given=0.3,
    married_share=0.6,
    second_given_from="english",
)

NDEBELE = Culture(
    "ndebele",
    0.14,
    male=_names(
        """Themba; Sipho; Thulani; Sibusiso; Mandla; Bongani; Nkosana; Sifiso; Mthokozisi;
        Dumisani; Khulekani; Zenzo; Mqondisi; Lwazi; Ntando; Sizwe; Thabani; Mthulisi;
        Vusumuzi; Sikhumbuzo; Nhlanhla; Bhekimpilo; Siphiwe; Mehluli"""
    ),
    female=_names(
        """Thandiwe; Nomvula; Sibongile; Nokuthula; Zanele; Thembi; Nomsa; Sithembile; Nobuhle;
        Siphiwe; Busisiwe; Ntombizodwa; Nkosazana; Sinikiwe; Lindiwe; Zodwa; Ayanda; Nqobile;
        Sithabile; Thokozile; Nozipho; Samukeliso; Ntombizanele; Nothando"""
    ),
    surnames=_surnames(
        """Ncube; Nkomo; Ndlovu; Sibanda; Khumalo; Tshuma; Moyo; Dube; Mpofu; Nyathi; Mathe;
        Mlilo; Ngwenya; Masuku; Mabhena; Mguni; Hlabangana; Mahlangu; Dlamini; Mkandla; Gumede;
        Mathuthu; Mafu; Bhebhe; Siziba; Tshabalala; Mathema; Ndiweni; Hlongwane; Tshabangu;
        Mhlanga; Ndebele; Khanye; Mnkandla"""
    ),
    second_given=0.3,
    married_share=0.6,
    second_given_from="english",
)

RUSSIAN = Culture(
    "russian",
    0.06,
    male=_names(
        """Иван=Ivan; Дмитрий=Dmitri|Dmitry|Dmitriy; Александр=Alexander|Aleksandr;
        Сергей=Sergei|Sergey; Николай=Nikolai|Nikolay|Nicolai; Михаил=Mikhail|Michail;
        Алексей=Alexei|Aleksei|Alexey; Андрей=Andrei|Andrey; Владимир=Vladimir;
        Пётр=Pyotr|Petr|Piotr; Фёдор=Fyodor|Fedor|Feodor; Юрий=Yuri|Yury|Iurii;
        Григорий=Grigori|Grigory; Борис=Boris; Константин=Konstantin|Constantin;
        Василий=Vasili|Vasily|Vassily; Павел=Pavel; Евгений=Yevgeny|Evgeny|Evgeni"""
    ),
    female=_names(
        """Мария=Maria|Mariya; Анна=Anna; Екатерина=Ekaterina|Yekaterina;
        Ольга=Olga; Татьяна=Tatiana|Tatyana; Наталья=Natalia|Natalya; Елена=Elena|Yelena;
        Ирина=Irina; Светлана=Svetlana; Анастасия=Anastasia|Anastasiya;
        Людмила=Ludmila|Lyudmila; Галина=Galina; Надежда=Nadezhda; Евгения=Evgenia|Yevgenia;
        Вера=Vera; Ксения=Ksenia|Kseniya|Xenia; Софья=Sofia|Sofya|Sophia"""  # noqa: RUF001
    ),
    surnames=_surnames(
        """Иванов=Ivanov ~ Иванова=Ivanova; Петров=Petrov ~ Петрова=Petrova;
        Смирнов=Smirnov ~ Смирнова=Smirnova; Кузнецов=Kuznetsov|Kuznetzov ~ Кузнецова=Kuznetsova;
        Попов=Popov|Popoff ~ Попова=Popova; Соколов=Sokolov ~ Соколова=Sokolova;
        Волков=Volkov ~ Волкова=Volkova; Фёдоров=Fyodorov|Fedorov ~ Фёдорова=Fyodorova|Fedorova;
        Михайлов=Mikhailov|Mikhaylov ~ Михайлова=Mikhailova|Mikhaylova;
        Новиков=Novikov ~ Новикова=Novikova; Морозов=Morozov ~ Морозова=Morozova;
        Лебедев=Lebedev ~ Лебедева=Lebedeva; Козлов=Kozlov ~ Козлова=Kozlova;
        Орлов=Orlov|Orloff ~ Орлова=Orlova; Соловьёв=Solovyov|Soloviev ~ Соловьёва=Solovyova|Solovieva;
        Васильев=Vasiliev|Vasilyev ~ Васильева=Vasilieva|Vasilyeva;
        Зайцев=Zaitsev|Zaytsev ~ Зайцева=Zaitseva|Zaytseva; Павлов=Pavlov ~ Павлова=Pavlova;
        Семёнов=Semyonov|Semenov ~ Семёнова=Semyonova|Semenova;
        Голубев=Golubev ~ Голубева=Golubeva; Белов=Belov ~ Белова=Belova"""
    ),
    native_share=0.65,
)

GREEK = Culture(
    "greek",
    0.06,
    male=_names(
        """Γιώργος=Giorgos|Yiorgos|Yorgos; Δημήτρης=Dimitris|Demetris;
        Νικόλαος=Nikolaos|Nicolaos; Ιωάννης=Ioannis|Joannis; Κωνσταντίνος=Konstantinos|Constantinos;
        Παναγιώτης=Panagiotis|Panayiotis; Χρήστος=Christos|Hristos; Βασίλειος=Vasileios|Vasilios;
        Αθανάσιος=Athanasios|Athanassios; Σταύρος=Stavros; Μιχαήλ=Michail|Mihail;
        Ευάγγελος=Evangelos|Evaggelos; Σπυρίδων=Spyridon|Spiridon; Αντώνιος=Antonios"""
    ),
    female=_names(
        """Μαρία=Maria; Ελένη=Eleni; Αικατερίνη=Aikaterini|Ekaterini; Βασιλική=Vasiliki|Vassiliki;
        Σοφία=Sofia|Sophia; Αναστασία=Anastasia; Δέσποινα=Despina|Despoina;
        Γεωργία=Georgia; Ευαγγελία=Evangelia|Evaggelia; Παρασκευή=Paraskevi;
        Ειρήνη=Eirini|Irini; Χριστίνα=Christina|Hristina; Αγγελική=Angeliki|Aggeliki"""
    ),
    surnames=_surnames(
        """Παπαδόπουλος=Papadopoulos|Papadopulos ~ Παπαδοπούλου=Papadopoulou;
        Γεωργίου=Georgiou; Οικονόμου=Oikonomou|Economou|Ikonomou;
        Κωνσταντίνου=Konstantinou|Constantinou; Παπαγεωργίου=Papageorgiou;
        Βασιλείου=Vasileiou|Vassiliou; Νικολάου=Nikolaou|Nicolaou; Ιωάννου=Ioannou;
        Δημητρίου=Dimitriou|Demetriou; Αντωνίου=Antoniou; Χριστοδούλου=Christodoulou;
        Παπαδάκης=Papadakis ~ Παπαδάκη=Papadaki;
        Καραγιάννης=Karagiannis|Karayannis ~ Καραγιάννη=Karagianni|Karayanni;
        Μακρής=Makris ~ Μακρή=Makri; Αλεξίου=Alexiou; Πετρίδης=Petridis ~ Πετρίδου=Petridou"""
    ),
    native_share=0.65,
)

CULTURES: tuple[Culture, ...] = (
    ENGLISH,
    PORTUGUESE,
    AFRIKAANS,
    GERMAN,
    FRENCH,
    SHONA,
    NDEBELE,
    RUSSIAN,
    GREEK,
)
CULTURE = {c.name: c for c in CULTURES}

# -- nicknames and abbreviations -----------------------------------------------------------------
_NICKNAMES_TEXT = """
william: Bill, Billy, Will, Willie / Wm
john: Jack, Johnny / Jno
james: Jim, Jimmy, Jamie / Jas
thomas: Tom, Tommy / Thos
charles: Charlie / Chas
robert: Bob, Bobby, Rob / Robt
richard: Dick, Rick / Richd
edward: Ted, Ned, Eddie / Edw
henry: Harry, Hal
joseph: Joe / Jos
samuel: Sam / Saml
benjamin: Ben / Benj
frederick: Fred, Freddie / Fredk
alexander: Alex, Sandy / Alexr
george: / Geo
daniel: Dan, Danny / Danl
david: Dave, Davy
michael: Mike, Mick
andrew: Andy, Drew
peter: Pete
stephen: Steve
francis: Frank
albert: Bert
alfred: Alf
walter: Walt, Wally
harold: Harry
herbert: Herb, Bert
jonathan: Jon
nathaniel: Nat / Nathl
isaac: Ike
margaret: Peggy, Maggie, Meg, Madge / Margt
elizabeth: Betty, Beth, Liz, Lizzie, Eliza, Bess / Eliz
mary: Polly, Molly
sarah: Sally, Sadie
ann: Nancy, Annie
catherine: Kate, Kitty, Cathy
katherine: Kate, Kitty, Kathy
dorothy: Dolly, Dot
frances: Fanny
susan: Sue, Susie
martha: Patty, Mattie
eleanor: Nell, Nellie, Ellie
ellen: Nell, Nellie
harriet: Hattie
charlotte: Lottie
florence: Flo, Florrie
edith: Edie
rebecca: Becky
winifred: Winnie
jose: Zé
francisco: Chico
manuel: Manel
joaquim: Quim
johannes: Hans, Jan, Hannes
jacobus: Koos, Kobus, Jaap
petrus: Piet
hendrik: Henk, Hennie
cornelis: Kees, Neels
willem: Wim
andries: Dries
nicolaas: Klaas
stephanus: Fanie
hermanus: Manie
abraham: Bram
johanna: Hanna
susanna: Sannie
magdalena: Lena, Magda
wilhelmina: Mina
cornelia: Corrie
johann: Hans
friedrich: Fritz
heinrich: Heinz
margarethe: Grete, Gretel
elisabeth: Liesel, Else, Lisa
katharina: Kathi
gertrud: Trude
dorothea: Thea
charlotte: Lotte
hildegard: Hilde
ursula: Uschi
marguerite: Margot
josephine: Josette
kudakwashe: Kuda
simbarashe: Simba
munyaradzi: Munya
rumbidzai: Rumbi
vusumuzi: Vusi
ntombizodwa: Ntombi
"""


def _nicknames() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for line in _NICKNAMES_TEXT.strip().splitlines():
        formal, rest = line.split(":", 1)
        spoken, _, written = rest.partition("/")
        out[formal.strip()] = (
            tuple(s.strip() for s in spoken.split(",") if s.strip()),
            tuple(s.strip() for s in written.split(",") if s.strip()),
        )
    return out


NICKNAMES = _nicknames()
"""Folded formal given name -> (spoken nicknames, written abbreviations)."""


def nicknames_of(given: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return NICKNAMES.get(ascii_key(given), ((), ()))


# -- name keys ------------------------------------------------------------------------------------
class NameKeys:
    """One key per name however it is spelled: the pools' entries, merged where they share a
    spelling (English and German Elisabeth), given names and surnames apart."""

    def __init__(self, cultures: Iterable[Culture] = CULTURES) -> None:
        self._parent: dict[str, str] = {}
        for c in cultures:
            for n in (*c.male, *c.female):
                self._join("g", n)
            for s in c.surnames:
                for n in (s.male, s.female):
                    self._join("s", n)

    def _find(self, x: str) -> str:
        root = x
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        self._parent[x] = root
        return root

    def _forms(self, role: str, n: Name) -> list[str]:
        forms = [ascii_key(s) for s in n.spellings]
        if n.native:
            forms.append(ascii_key(n.native))
        if role == "s":
            forms = [surname_core(f) for f in forms]
        return [f"{role}:{f}" for f in forms if f]

    def _join(self, role: str, n: Name) -> None:
        forms = self._forms(role, n)
        for f in forms:
            self._parent.setdefault(f, f)
        root = self._find(forms[0])
        for f in forms[1:]:
            other = self._find(f)
            if other != root:
                # The alphabetically first root wins: the keys do not depend on pool order.
                lo, hi = sorted((root, other))
                self._parent[hi] = lo
                root = lo

    def given_name(self, n: Name) -> str:
        """The key of a pool entry used as a given name."""
        return self._key(self._forms("g", n)[0])

    def surname_name(self, n: Name) -> str:
        """The key of a pool entry used as a surname."""
        return self._key(self._forms("s", n)[0])

    def _key(self, form: str) -> str:
        return self._find(form) if form in self._parent else form

    def given(self, text: str) -> str:
        """The key of a given-name word as written (any spelling, script or accent)."""
        f = f"g:{ascii_key(text)}"
        return self._find(f) if f in self._parent else f

    def surname(self, text: str) -> str:
        f = f"s:{surname_core(text)}"
        return self._find(f) if f in self._parent else f


# -- query makers ---------------------------------------------------------------------------------
_KEYBOARD = [
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
]


def _neighbours(ch: str) -> str:
    """Letters next to ``ch`` on a QWERTY keyboard (the usual slip of a finger)."""
    for r, row in enumerate(_KEYBOARD):
        i = row.find(ch)
        if i < 0:
            continue
        near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
        for other in (r - 1, r + 1):
            if 0 <= other < len(_KEYBOARD):
                near += [_KEYBOARD[other][j] for j in (i - 1, i) if 0 <= j < len(_KEYBOARD[other])]
        return "".join(near)
    return "aeiou"


TYPO_KINDS = ("delete", "insert", "substitute", "swap")
TYPO_MIN = 5
"""Typos are made only on words of at least this many letters."""


def typo(word: str, kind: str, rng: random.Random) -> str:
    """One slip on an ASCII-folded word: a letter left out, one too many, a wrong key, or two
    neighbours swapped. The result always differs from ``word``; never on the first letter."""
    w = word.lower()
    if len(w) < TYPO_MIN:
        raise ValueError(f"typos are made on words of {TYPO_MIN} letters or more, not {word!r}")
    for _ in range(50):
        i = rng.randrange(1, len(w))
        if kind == "delete":
            out = w[:i] + w[i + 1 :]
        elif kind == "insert":
            extra = rng.choice(_neighbours(w[i]) + w[i])
            out = w[:i] + extra + w[i:]
        elif kind == "substitute":
            out = w[:i] + rng.choice(_neighbours(w[i])) + w[i + 1 :]
        elif kind == "swap":
            if i == len(w) - 1:
                continue
            out = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        else:
            raise ValueError(f"unknown typo kind {kind!r}")
        if out != w:
            return out
    raise ValueError(f"could not make a {kind} typo of {word!r}")


_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}


def umlauts_spelled_out(text: str) -> str:
    """German convention for writing without umlauts: ``Müller`` -> ``Mueller``."""
    return "".join(_UMLAUTS.get(ch, ch) for ch in text)


def has_accents(text: str) -> bool:
    return strip_accents(text) != text


def without_particles(surname: str) -> str:
    """``van der Merwe`` -> ``Merwe`` (as written, particles left out)."""
    words = surname.split()
    while len(words) > 1 and ascii_key(words[0]) in PARTICLES:
        words = words[1:]
    return " ".join(words)


def particles_joined(surname: str) -> str:
    """``van der Merwe`` -> ``Vandermerwe``; ``du Plessis`` -> ``Duplessis``."""
    joined = "".join(surname.split()).lower()
    return joined[:1].upper() + joined[1:]


# -- Shona and Ndebele spellings ------------------------------------------------------------------
# Spellings of one name under the orthographies met in records: the Doke orthography of Shona
# (1931-1955: one letter for today's sv and zv), the spellings of colonial and mission clerks
# (the aspiration h left out: Kumalo, Temba; Ndebele dl written dhl: Ndhlovu; the augment of
# the noun kept: Inkomo, Umlilo; tsh written as Shona ch or Zulu sh), the everyday ones (-ayi
# or -ai: Tendayi, Tendai; mu- written m-: Mtasa) and a surname without its noun-class prefix
# (Nyoka for Chinyoka). Each maker rewrites a stored (current) spelling.
_ASPIRATION_H = re.compile(r"(?<=[bdkmnptvBDKMNPTV])h(?!l)")
_DOKE = {"sv": "\u023f", "Sv": "\u2c7e", "zv": "\u0240", "Zv": "\u2c7f"}


def doke(word: str) -> str:
    """A word in the Doke orthography (1931-1955): ``Svosve`` -> ``Ȿoȿe``; unchanged when it has
    no sv or zv."""
    return re.sub("[sSzZ]v", lambda m: _DOKE[m.group(0)], word)


def shona_ndebele_spellings(word: str, name: Name, *, surname: bool) -> list[tuple[str, str]]:
    """Other spellings of a stored Shona or Ndebele name word, each with its rule."""
    out: list[tuple[str, str]] = []
    if stem := without_prefix(name, word):
        out.append((stem, "class prefix left out"))
    if re.match(r"Mu[tdsgkz]", word):
        out.append(("M" + word[2:], "mu- written m-"))
    if (unaspirated := _ASPIRATION_H.sub("", word)) != word:
        out.append((unaspirated, "aspiration h left out"))
    if "dl" in word:
        out.append((word.replace("dl", "dhl"), "dl written dhl"))
    if word.endswith("ayi"):
        out.append((word[:-3] + "ai", "-ayi written -ai"))
    elif word.endswith("ai"):
        out.append((word[:-2] + "ayi", "-ai written -ayi"))
    if word.startswith("Tsh"):
        out.append(("Ch" + word[3:], "tsh written ch"))
        out.append(("Sh" + word[3:], "tsh written sh"))
    if surname and re.match(r"N[^aeiouh]", word):
        out.append(("I" + word.lower(), "augment i- kept"))
    if surname and re.match(r"M[^aeiouh]", word):
        out.append(("U" + word.lower(), "augment u- kept"))
    return out


def without_prefix(name: Name, spelled: str) -> str:
    """A prefixed Shona name without its class prefix: ``Chinyoka`` -> ``Nyoka``."""
    if not name.prefix or not spelled.lower().startswith(name.prefix.lower()):
        return ""
    stem = spelled[len(name.prefix) :]
    return stem[:1].upper() + stem[1:]


def choose(rng: random.Random, items: Sequence[str]) -> str:
    return items[rng.randrange(len(items))]
