"""Free-text comments of the post-session survey: per-tool and generic sentences, by tone.

A comment is one opening sentence (tool-specific or generic, chosen by the respondent's
satisfaction) and, for some, a second generic sentence. Semicolons, straight quotes, « » and an
emoji are there on purpose (CSV quoting, encodings).
"""

from __future__ import annotations

# tone: 0 negative, 1 mixed / neutral, 2 positive
TOOL_SENTENCES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "cadran_total": (
        ("Exercice trop théorique, je n'ai pas vu le lien avec mon poste.",),
        (
            "Intéressant, mais 2 h c'est court pour aller au bout du cadran.",
            "Bonne méthode ; il faudrait l'appliquer à un vrai dossier du service.",
        ),
        (
            "Travailler avec les contraintes plutôt que contre elles : ça change tout.",
            "On a trouvé trois pistes concrètes pour le budget de l'an prochain.",
            "Le cadran total oblige à sortir des habitudes, très stimulant.",
        ),
    ),
    "colle_ton_avis": (
        (
            "On colle des avis mais on ne sait jamais ce qu'ils deviennent.",
            "Peu de retours de la direction sur les avis déposés la dernière fois.",
        ),
        (
            "Bonne idée, à condition que les avis soient lus.",
            "Le format est simple ; dommage que le panneau soit dans un couloir peu passant.",
        ),
        (
            "Enfin un endroit où dire ce qui ne va pas sans filtre.",
            "J'ai vu mon idée reprise en réunion de service, motivant !",
        ),
    ),
    "la_balade": (
        ("Il pleuvait et rien n'était prévu, on a écourté.",),
        (
            "Agréable, mais le groupe était un peu grand pour vraiment échanger.",
            "Parcours sympa ; on a surtout parlé entre collègues du même service.",
        ),
        (
            "Marcher en parlant boulot, ça délie les langues.",
            "J'ai rencontré des collègues des espaces verts que je ne connaissais que par mail.",
            "Une balade qui fait du bien et qui crée du lien entre services.",
        ),
    ),
    "regard_en_visite": (
        ("Visite mal préparée, nos hôtes n'étaient pas prévenus.",),
        (
            "Intéressant mais trop long pour une matinée de travail.",
            "J'aurais aimé plus de temps d'échange avec les agents sur place.",
        ),
        (
            "Voir comment travaille la station d'épuration m'a ouvert les yeux.",
            "Très instructif de découvrir le quotidien d'un autre service.",
            "On repart avec des idées à copier sans complexe.",
        ),
    ),
    "point_silence": (
        ("Difficile de faire silence quand le téléphone du service sonne à côté.",),
        (
            "Un peu déroutant au début, on s'y fait.",
            "Bien, mais la salle n'est pas assez isolée du bruit.",
        ),
        (
            "Un vrai moment pour souffler dans une semaine chargée.",
            "Je ressors plus calme et plus concentré(e).",
            "Dix minutes de silence, c'est plus efficace qu'un café !",
            "Indispensable avant les périodes de rush à l'accueil.",
        ),
    ),
    "audace_up": (
        ("On nous demande d'oser mais la hiérarchie ne suit pas.",),
        (
            "Des idées intéressantes, reste à voir si elles seront réalisées.",
            "Format dynamique ; un peu intimidant de présenter devant tout le monde.",
        ),
        (
            "J'ai osé présenter mon projet de guichet unique, et il a été retenu !",
            "Ça donne confiance pour proposer des choses nouvelles.",
            "Ambiance bienveillante qui pousse à sortir de sa zone de confort.",
        ),
    ),
    "echecs_and_mates": (
        ("Parler de ses échecs devant des inconnus, pas évident du tout.",),
        (
            "Utile, mais il faudrait des règles de confidentialité plus claires.",
            "Certains ont monopolisé la parole.",
        ),
        (
            "Entendre que les autres aussi se trompent, ça déculpabilise.",
            "On a analysé un projet raté sans chercher de coupable : très sain.",
            "J'ai appris plus d'un échec partagé que de bien des formations.",
        ),
    ),
    "essais_libres": (
        ("Pas de suite donnée à notre essai, un peu démotivant.",),
        (
            "Bonne démarche ; le temps manque pour tester vraiment.",
            "L'essai était intéressant mais le matériel n'était pas prêt.",
        ),
        (
            "On a testé la réunion debout pendant un mois : adoptée par le service.",
            "Avoir le droit d'essayer sans demander trois autorisations, c'est précieux.",
            "Essai concluant sur le classement partagé, on continue.",
        ),
    ),
    "en_immersion": (
        ("L'immersion a été annulée deux fois avant d'avoir lieu.",),
        (
            "Instructif, une demi-journée c'est un peu court.",
            "Intéressant mais j'ai surtout observé, sans vraiment participer.",
        ),
        (
            "Une demi-journée avec les agents de la propreté : je regarde la ville autrement.",
            "Je comprends mieux les contraintes de l'accueil du public.",
            "Expérience forte, je la recommande à tous les encadrants.",
        ),
    ),
    "dans_la_peau_de_walt": (
        (
            "Méthode sympathique mais sans lien avec nos urgences.",
            "Trop de rêve, pas assez de concret.",
        ),
        ("Le passage du rêveur au critique est intéressant ; un peu long.",),
        (
            "Passer du rêveur au réaliste puis au critique, très efficace pour un projet.",
            "On a imaginé la médiathèque de 2030, avec un vrai plan d'action à la clé.",
        ),
    ),
    "apprenons_nous": (
        ("Contenu trop basique pour moi.",),
        (
            "Bien, mais il faudrait un support écrit à emporter.",
            "Intéressant ; le créneau de midi n'est pas idéal.",
        ),
        (
            "Une collègue m'a appris les raccourcis du tableur : des heures gagnées !",
            "Génial d'apprendre d'un collègue plutôt que d'un prestataire.",
            "J'ai animé une séance sur la langue des signes, très bel accueil.",
        ),
    ),
    "time_out": (
        ("Difficile de prendre ce temps quand le service est en sous-effectif.",),
        (
            "Bonne idée ; encore faut-il que le planning le permette.",
            "Utile, même si on a vite reparlé des dossiers en cours.",
        ),
        (
            "Un temps protégé pour réfléchir à mon organisation, enfin.",
            "Sans téléphone ni mail pendant une heure : très productif.",
            "J'ai enfin pu prendre du recul sur mes priorités.",
        ),
    ),
}

GENERIC_SENTENCES: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = (
    (
        "Pas convaincu(e).",
        "Je ne vois pas l'intérêt pour mon travail quotidien.",
        "Encore une réunion de plus...",
        "Horaire mal choisi, la moitié du groupe est partie avant la fin.",
    ),
    (
        "RAS.",
        "Séance correcte.",
        "À refaire avec plus de participants d'autres directions.",
        "Mitigé : bonne idée, mise en œuvre à améliorer.",
        "Il faudrait prévenir les chefs de service plus tôt.",
    ),
    (
        "Merci pour ce moment !",
        "Très bonne séance, à refaire.",
        "Animation au top, bravo à l'équipe projet.",
        "Vivement la prochaine séance 🙂",
        "Je recommande à tous les collègues.",
        'Séance "vraiment" utile, contrairement à ce que je pensais.',
        "« Essayer, c'est déjà réussir » : bel état d'esprit.",
    ),
)

SECOND_SENTENCES: tuple[str, ...] = (
    "Merci aux animateurs.",
    "À refaire dans mon service.",
    "Un peu court.",
    "Horaire idéal.",
    "Salle trop petite ; on était serrés.",
    "J'en parlerai à mon équipe.",
    "Pensez aux agents en horaires décalés.",
)

IDENTITY_NAME_TEMPLATES: tuple[str, ...] = (
    "Merci à {name} pour l'animation, très à l'écoute.",
    "{name} a su mettre tout le monde à l'aise.",
    "Bravo à {name} !",
    "J'ai pu échanger avec {name}, du service voisin : très enrichissant.",
)

IDENTITY_EMAIL_TEMPLATES: tuple[str, ...] = (
    "Pour la suite, me contacter : {email}",
    "Je propose de continuer par mail ({email}).",
    "Les documents sont à demander à {email}",
)

HOSTILE_STRINGS: tuple[str, ...] = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://x","clic")',
)
