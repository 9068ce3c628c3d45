// The Welsh words of the citizen pages (CP-155, decision 0057), in one file for a translator to
// review. Each entry is the English as the page has it (the message id, the `en` catalogue) and
// the Welsh shown instead on a Welsh page (the `cy` catalogue). `{name}` is a value put in
// (a date, a name, a number): keep it, in the place Welsh puts it. Entries with markup keep the
// same tags and addresses.
//
// For translators: entries marked `// CHECK` are ones the Waypoint team was unsure of: please
// confirm or correct them. GOV.UK's Welsh wording is followed where GOV.UK has it (the skip link,
// the error summary, sign in and out, the cookie and privacy words).
export const cy: Readonly<Record<string, string>> = {
  // ---- The layout: header, language toggle, navigation, Exit this page, footer
  'Skip to main content': 'Neidio i’r prif gynnwys',
  'Police forces of the Eastern Region': 'Heddluoedd Rhanbarth y Dwyrain', // CHECK
  'Choose a language': 'Dewis iaith',
  'Keep informed': 'Cael gwybod', // CHECK: the service's name
  'Your cases': 'Eich achosion',
  'Your account': 'Eich cyfrif',
  Menu: 'Dewislen',
  'Service information': 'Gwybodaeth am y gwasanaeth',
  Emergency: 'Argyfwng',
  'Exit this page': 'Gadael y dudalen hon', // CHECK
  'Loading.': 'Wrthi’n llwytho.',
  'Exit this page expired.': 'Mae’r botwm Gadael y dudalen hon wedi dod i ben.', // CHECK
  'Shift, press 2 more times to exit.': 'Shift, pwyswch 2 waith eto i adael.', // CHECK
  'Shift, press 1 more time to exit.': 'Shift, pwyswch 1 waith eto i adael.', // CHECK
  'There is a problem': 'Mae problem wedi codi',
  Error: 'Gwall',
  Success: 'Llwyddiant',
  Warning: 'Rhybudd',
  'Support links': 'Dolenni cymorth',
  'Accessibility statement': 'Datganiad hygyrchedd',
  Privacy: 'Preifatrwydd',
  Cookies: 'Cwcis',
  'Your rights as a victim': 'Eich hawliau fel dioddefwr',
  'How to complain': 'Sut i gwyno',
  Help: 'Help',
  'Report a crime and get advice': 'Rhoi gwybod am drosedd a chael cyngor',
  Feedback: 'Adborth',
  '{force} uses Waypoint, open-source software shared by the police forces of the Eastern Region.':
    'Mae {force} yn defnyddio Waypoint, meddalwedd cod agored a rennir gan heddluoedd Rhanbarth y Dwyrain.',
  'Waypoint is open-source software shared by the police forces of the Eastern Region.':
    'Meddalwedd cod agored a rennir gan heddluoedd Rhanbarth y Dwyrain yw Waypoint.',
  'In an emergency, call 999. If you are deaf or hard of hearing, text 999 if you have registered with emergencySMS.':
    'Mewn argyfwng, ffoniwch 999. Os ydych yn fyddar neu’n drwm eich clyw, anfonwch neges destun i 999 os ydych wedi cofrestru gydag emergencySMS.',
  // The inactivity warning (CP-20)
  'You are about to be signed out': 'Rydych ar fin cael eich allgofnodi',
  'For your security, we will sign you out in <span data-countdown>2 minutes</span> unless you do something.':
    'Er eich diogelwch, byddwn yn eich allgofnodi ymhen <span data-countdown>2 funud</span> oni bai eich bod yn gwneud rhywbeth.',
  '{count} minute': '{count} munud',
  '{count} minutes': '{count} munud', // CHECK: Welsh keeps the singular after a number (2 funud)
  '{count} seconds': '{count} eiliad',
  'Stay signed in': 'Aros wedi mewngofnodi',
  'Sign out': 'Allgofnodi',

  // ---- Errors
  'Page not found': 'Heb ddod o hyd i’r dudalen',
  'If you typed the web address, check it is correct.':
    'Os gwnaethoch deipio’r cyfeiriad gwe, gwiriwch ei fod yn gywir.',
  'If you pasted the web address, check you copied the entire address.':
    'Os gwnaethoch ludo’r cyfeiriad gwe, gwiriwch eich bod wedi copïo’r cyfeiriad cyfan.',
  'Reference: {reference}': 'Cyfeirnod: {reference}',
  'Sorry, there is a problem with the service': 'Mae’n ddrwg gennym, mae problem gyda’r gwasanaeth',
  'Try again later. Nothing you entered has been lost unless you were told so.':
    'Rhowch gynnig arall arni yn nes ymlaen. Nid oes dim a roesoch wedi’i golli oni bai i ni ddweud hynny wrthych.',
  'If you contact support, quote this reference: <strong>{reference}</strong>':
    'Os byddwch yn cysylltu â’r tîm cymorth, rhowch y cyfeirnod hwn: <strong>{reference}</strong>',
  'Nothing was saved. <a class="govuk-link" href="{href}">Go back</a>, correct what is listed above and try again.':
    'Ni chadwyd dim. <a class="govuk-link" href="{href}">Ewch yn ôl</a>, cywirwch yr hyn a restrir uchod a rhowch gynnig arall arni.',
  'Your form could not be sent': 'Nid oedd modd anfon eich ffurflen',
  'The page may have been open for too long. Go back, reload the page and try again.':
    'Efallai fod y dudalen wedi bod ar agor yn rhy hir. Ewch yn ôl, ail-lwythwch y dudalen a rhowch gynnig arall arni.',
  'Sign in to continue': 'Mewngofnodwch i barhau',
  'You do not have permission to see this': 'Nid oes gennych ganiatâd i weld hyn',
  'Not found': 'Heb ddod o hyd iddo',
  'The request is not valid': 'Nid yw’r cais yn ddilys',
  'Some of the text entered is too long': 'Mae peth o’r testun a roddwyd yn rhy hir',
  'Too many requests: try again later': 'Gormod o geisiadau: rhowch gynnig arall arni yn nes ymlaen',
  'The service is unavailable at the moment: try again later':
    'Nid yw’r gwasanaeth ar gael ar hyn o bryd: rhowch gynnig arall arni yn nes ymlaen',
  'This page is for citizens signed in to their account':
    'Mae’r dudalen hon ar gyfer dinasyddion sydd wedi mewngofnodi i’w cyfrif',
  'Your account could not be found. Sign in again.':
    'Nid oedd modd dod o hyd i’ch cyfrif. Mewngofnodwch eto.',
  'Accept the terms of use first: open Your cases to see them.':
    'Derbyniwch y telerau defnyddio yn gyntaf: agorwch Eich achosion i’w gweld.',

  // ---- Signing in (the built-in account, One Login, signed out)
  'Sign in': 'Mewngofnodi',
  'Sign in to your account': 'Mewngofnodi i’ch cyfrif',
  'Sign in with GOV.UK One Login': 'Mewngofnodi gyda GOV.UK One Login',
  'Sign in with your email address and password': 'Mewngofnodi gyda’ch cyfeiriad e-bost a’ch cyfrinair',
  'You can create an account only from the link in the invitation we sent you.':
    'Dim ond o’r ddolen yn y gwahoddiad a anfonwyd atoch y gallwch greu cyfrif.',
  'Signing in to see messages about your case is not available yet.':
    'Nid yw mewngofnodi i weld negeseuon am eich achos ar gael eto.',
  'Messages about your case still reach you by text message or email.':
    'Bydd negeseuon am eich achos yn dal i’ch cyrraedd drwy neges destun neu e-bost.',
  'You are signed in.': 'Rydych wedi mewngofnodi.',
  'You have signed out': 'Rydych wedi allgofnodi',
  'You need to sign in again to see your account.': 'Mae angen i chi fewngofnodi eto i weld eich cyfrif.',
  'You have been signed out': 'Rydych wedi cael eich allgofnodi',
  'We signed you out because you had not done anything for a while. This keeps your account safe if you left your device.':
    'Gwnaethom eich allgofnodi am nad oeddech wedi gwneud dim ers tro. Mae hyn yn cadw’ch cyfrif yn ddiogel os gwnaethoch adael eich dyfais.',
  'Anything you had not saved has not been kept.': 'Nid ydym wedi cadw unrhyw beth nad oeddech wedi’i gadw.', // CHECK
  'Sign in again': 'Mewngofnodi eto',
  'Your password has been changed. Sign in with your new password.':
    'Mae eich cyfrinair wedi’i newid. Mewngofnodwch gyda’ch cyfrinair newydd.',
  'Email address': 'Cyfeiriad e-bost',
  Password: 'Cyfrinair',
  Continue: 'Parhau',
  'Forgotten your password?': 'Wedi anghofio eich cyfrinair?',
  'Enter a correct email address and password. After several wrong attempts the account is locked for a while.':
    'Rhowch gyfeiriad e-bost a chyfrinair cywir. Ar ôl sawl ymgais anghywir, caiff y cyfrif ei gloi am gyfnod.',
  'Enter your security code': 'Rhowch eich cod diogelwch',
  'Check your email': 'Gwiriwch eich e-bost',
  'Check the code we sent': 'Gwiriwch y cod a anfonwyd gennym',
  'Add an account to your authenticator app with this key, then enter the 6-digit code it shows.':
    'Ychwanegwch gyfrif at eich ap dilysu gyda’r allwedd hon, yna rhowch y cod 6 digid y mae’n ei ddangos.',
  'On a phone with an authenticator app, you can <a class="govuk-link" href="{href}">open the key in your app</a>.':
    'Ar ffôn sydd ag ap dilysu, gallwch <a class="govuk-link" href="{href}">agor yr allwedd yn eich ap</a>.',
  'If {address} has an account, we sent a 6-digit code to it. It expires in 10 minutes.':
    'Os oes gan {address} gyfrif, rydym wedi anfon cod 6 digid ato. Bydd yn dod i ben ymhen 10 munud.',
  'We sent a 6-digit code to {address}. It expires in 10 minutes.':
    'Rydym wedi anfon cod 6 digid at {address}. Bydd yn dod i ben ymhen 10 munud.',
  'Open your authenticator app and enter the 6-digit code it shows.':
    'Agorwch eich ap dilysu a rhowch y cod 6 digid y mae’n ei ddangos.',
  'Security code': 'Cod diogelwch',
  'your mobile number ending {digits}': 'eich rhif ffôn symudol sy’n gorffen â {digits}',
  'After 5 wrong codes you will need to start again.': 'Ar ôl 5 cod anghywir, bydd angen i chi ddechrau eto.',
  'Start again': 'Dechrau eto',
  'Start again.': 'Dechreuwch eto.',
  'You entered a wrong code too many times': 'Rydych wedi rhoi cod anghywir ormod o weithiau',
  'You entered a wrong code too many times. For your security, start again later.':
    'Rydych wedi rhoi cod anghywir ormod o weithiau. Er eich diogelwch, dechreuwch eto yn nes ymlaen.',
  'We could not continue from where you were. This happens when you wait more than 30 minutes, or open the page in another browser.':
    'Nid oedd modd i ni barhau o’r man lle’r oeddech. Mae hyn yn digwydd pan fyddwch yn aros mwy na 30 munud, neu’n agor y dudalen mewn porwr arall.',
  'Use the link in your invitation again to create your account.':
    'Defnyddiwch y ddolen yn eich gwahoddiad eto i greu eich cyfrif.',
  'Nothing was changed. <a class="govuk-link" href="/portal/account">Go back to your account</a> to try again.':
    'Ni newidiwyd dim. <a class="govuk-link" href="/portal/account">Ewch yn ôl i’ch cyfrif</a> i roi cynnig arall arni.',
  'That step is not the next one. Continue from where you were.':
    'Nid dyna’r cam nesaf. Parhewch o’r man lle’r oeddech.',
  'Enter the 6-digit code we sent you': 'Rhowch y cod 6 digid a anfonwyd atoch',
  'Enter the code shown in your authenticator app': 'Rhowch y cod a ddangosir yn eich ap dilysu',
  'The code has expired. Ask for a new one.': 'Mae’r cod wedi dod i ben. Gofynnwch am un newydd.',
  'Which police force are you in contact with?': 'Gyda pha heddlu ydych chi mewn cysylltiad?',
  'You will sign in with GOV.UK One Login.': 'Byddwch yn mewngofnodi gyda GOV.UK One Login.',
  'Signing in with GOV.UK One Login is not available': 'Nid yw mewngofnodi gyda GOV.UK One Login ar gael',
  'Sign in another way': 'Mewngofnodi mewn ffordd arall',
  'You could not be signed in': 'Nid oedd modd eich mewngofnodi',
  'Get help signing in': 'Cael help i fewngofnodi',
  'Your sign-in took too long or was started elsewhere. Start again.':
    'Cymerodd eich mewngofnodi ormod o amser neu fe’i dechreuwyd rywle arall. Dechreuwch eto.',
  'You did not finish signing in with GOV.UK One Login. Start again.':
    'Ni wnaethoch orffen mewngofnodi gyda GOV.UK One Login. Dechreuwch eto.',
  'GOV.UK One Login did not share your email address': 'Ni rannodd GOV.UK One Login eich cyfeiriad e-bost',
  'GOV.UK One Login did not confirm the level of sign-in needed':
    'Ni chadarnhaodd GOV.UK One Login y lefel mewngofnodi sydd ei hangen',
  'This police force does not offer sign-in with GOV.UK One Login':
    'Nid yw’r heddlu hwn yn cynnig mewngofnodi gyda GOV.UK One Login',
  'Another GOV.UK One Login uses this email address with this service. Sign in with that one.':
    'Mae GOV.UK One Login arall yn defnyddio’r cyfeiriad e-bost hwn gyda’r gwasanaeth hwn. Mewngofnodwch gyda hwnnw.',
  'This invitation has already been used. Sign in instead.':
    'Mae’r gwahoddiad hwn eisoes wedi’i ddefnyddio. Mewngofnodwch yn lle hynny.',
  'You do not have an account yet': 'Nid oes gennych gyfrif eto',
  'You can use this service once the police force dealing with your case has invited you. Use the link in the text message or email they sent you.':
    'Gallwch ddefnyddio’r gwasanaeth hwn unwaith y bydd yr heddlu sy’n delio â’ch achos wedi eich gwahodd. Defnyddiwch y ddolen yn y neges destun neu’r e-bost a anfonwyd atoch.',
  'If you think you should have been invited, contact the officer dealing with your case.':
    'Os ydych yn meddwl y dylech fod wedi cael gwahoddiad, cysylltwch â’r swyddog sy’n delio â’ch achos.',
  'Get help with your account': 'Cael help gyda’ch cyfrif',

  // ---- Resetting a password
  'Reset your password': 'Ailosod eich cyfrinair',
  'Enter the email address you sign in with': 'Rhowch y cyfeiriad e-bost rydych yn mewngofnodi ag ef',
  'If it has an account, we will send a code to it.': 'Os oes ganddo gyfrif, byddwn yn anfon cod ato.',
  'If you sign in with GOV.UK One Login, <a class="govuk-link" href="https://home.account.gov.uk/">reset your password there</a>.':
    'Os ydych yn mewngofnodi gyda GOV.UK One Login, <a class="govuk-link" href="https://home.account.gov.uk/">ailosodwch eich cyfrinair yno</a>.',
  'Choose a new password': 'Dewiswch gyfrinair newydd',
  'New password': 'Cyfrinair newydd',
  'Confirm your new password': 'Cadarnhewch eich cyfrinair newydd',
  'Change password': 'Newid cyfrinair',

  // ---- Registering from an invitation (CP-12, CP-13)
  'This link has expired or has been used': 'Mae’r ddolen hon wedi dod i ben neu wedi’i defnyddio',
  'Each link in an invitation works once, for a limited time. If we sent you a newer message, use the link in that one.':
    'Mae pob dolen mewn gwahoddiad yn gweithio unwaith, am gyfnod cyfyngedig. Os gwnaethom anfon neges fwy diweddar atoch, defnyddiwch y ddolen yn honno.',
  'If you already created an account, <a class="govuk-link" href="/portal/sign-in">sign in</a>.':
    'Os ydych eisoes wedi creu cyfrif, <a class="govuk-link" href="/portal/sign-in">mewngofnodwch</a>.',
  'Otherwise, contact the officer dealing with your case and ask for a new invitation.':
    'Fel arall, cysylltwch â’r swyddog sy’n delio â’ch achos a gofynnwch am wahoddiad newydd.',
  'Create your account': 'Creu eich cyfrif',
  'Enter your email address': 'Rhowch eich cyfeiriad e-bost',
  'We will send a code to this address to check it is yours. You will use it to sign in.':
    'Byddwn yn anfon cod i’r cyfeiriad hwn i wirio mai chi sydd piau. Byddwch yn ei ddefnyddio i fewngofnodi.',
  'Create a password': 'Creu cyfrinair',
  'Use at least 12 characters. Three random words you can remember work well.':
    'Defnyddiwch o leiaf 12 nod. Mae tri gair ar hap y gallwch eu cofio yn gweithio’n dda.',
  'Confirm your password': 'Cadarnhewch eich cyfrinair',
  'How do you want to get security codes?': 'Sut ydych chi eisiau cael codau diogelwch?',
  'Each time you sign in, we will ask for a code as well as your password.':
    'Bob tro y byddwch yn mewngofnodi, byddwn yn gofyn am god yn ogystal â’ch cyfrinair.',
  'Text message': 'Neges destun',
  Email: 'E-bost',
  'Authenticator app': 'Ap dilysu',
  'An app on your phone or computer that shows a new code every 30 seconds.':
    'Ap ar eich ffôn neu’ch cyfrifiadur sy’n dangos cod newydd bob 30 eiliad.',
  'UK mobile number': 'Rhif ffôn symudol yn y DU',
  'Only if you chose text message': 'Dim ond os gwnaethoch ddewis neges destun',
  'Terms of use, privacy and cookies': 'Telerau defnyddio, preifatrwydd a chwcis',
  'Create account': 'Creu cyfrif',
  'This case has been added to your account': 'Mae’r achos hwn wedi’i ychwanegu at eich cyfrif',
  'You already have an account with this email address. Sign in to follow this case beside your others.':
    'Mae gennych gyfrif gyda’r cyfeiriad e-bost hwn yn barod. Mewngofnodwch i ddilyn yr achos hwn ochr yn ochr â’ch achosion eraill.',
  'Before you start': 'Cyn i chi ddechrau',
  'You signed in with GOV.UK One Login. Read and accept how this service works, and tell us how to contact you.':
    'Rydych wedi mewngofnodi gyda GOV.UK One Login. Darllenwch a derbyniwch sut mae’r gwasanaeth hwn yn gweithio, a dywedwch wrthym sut i gysylltu â chi.',
  'Terms of use': 'Telerau defnyddio',
  'Your account lets you follow the cases you are part of. Keep your sign-in details and security codes to yourself. Do not use this service to report an emergency: call 999.':
    'Mae eich cyfrif yn gadael i chi ddilyn yr achosion rydych yn rhan ohonynt. Cadwch eich manylion mewngofnodi a’ch codau diogelwch i chi’ch hun. Peidiwch â defnyddio’r gwasanaeth hwn i roi gwybod am argyfwng: ffoniwch 999.',
  'Privacy notice': 'Hysbysiad preifatrwydd',
  'The police force dealing with your case controls the information in your account. We use your email address and phone number to let you sign in and to tell you about your case. We keep your account while you have a case with us, and delete it if you ask.':
    'Yr heddlu sy’n delio â’ch achos sy’n rheoli’r wybodaeth yn eich cyfrif. Rydym yn defnyddio eich cyfeiriad e-bost a’ch rhif ffôn i adael i chi fewngofnodi ac i roi gwybod i chi am eich achos. Rydym yn cadw eich cyfrif tra bo gennych achos gyda ni, ac yn ei ddileu os byddwch yn gofyn.',
  'We use only the cookies the service needs to work: one to keep you signed in, one to protect forms, one while you create your account or sign in, and one to remember the language you chose. We do not use cookies to measure or advertise.':
    'Dim ond y cwcis sydd eu hangen ar y gwasanaeth i weithio rydym yn eu defnyddio: un i’ch cadw wedi mewngofnodi, un i ddiogelu ffurflenni, un tra byddwch yn creu eich cyfrif neu’n mewngofnodi, ac un i gofio’r iaith a ddewisoch. Nid ydym yn defnyddio cwcis i fesur nac i hysbysebu.',
  'I accept the terms of use': 'Rwy’n derbyn y telerau defnyddio',
  'I have read the privacy notice': 'Rwyf wedi darllen yr hysbysiad preifatrwydd',
  'I have read how cookies are used': 'Rwyf wedi darllen sut y defnyddir cwcis',
  'Accept the terms of use to create your account': 'Derbyniwch y telerau defnyddio i greu eich cyfrif',
  'Confirm you have read the privacy notice': 'Cadarnhewch eich bod wedi darllen yr hysbysiad preifatrwydd',
  'Confirm you have read the cookies policy': 'Cadarnhewch eich bod wedi darllen y polisi cwcis',
  'Enter an email address in the correct format, like name@example.com':
    'Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@enghraifft.com',
  'Select how you want to get security codes': 'Dewiswch sut rydych eisiau cael codau diogelwch',
  'Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982':
    'Rhowch rif ffôn symudol yn y DU, fel 07700 900 982 neu +44 7700 900 982',
  'Enter a password of at least {count} characters': 'Rhowch gyfrinair sydd ag o leiaf {count} nod',
  'Enter a password of {count} characters or fewer': 'Rhowch gyfrinair sydd â {count} nod neu lai',
  'Choose a password that is harder to guess': 'Dewiswch gyfrinair sy’n anoddach ei ddyfalu',
  'The passwords do not match': 'Nid yw’r cyfrineiriau’n cyfateb',
  'Another account uses that email address. Use a different one.':
    'Mae cyfrif arall yn defnyddio’r cyfeiriad e-bost hwnnw. Defnyddiwch un gwahanol.',
  'We could not send a code to that number. Try another.':
    'Nid oedd modd i ni anfon cod i’r rhif hwnnw. Rhowch gynnig ar un arall.',
  'We could not send a code to that address. Try another.':
    'Nid oedd modd i ni anfon cod i’r cyfeiriad hwnnw. Rhowch gynnig ar un arall.',

  // ---- Notification preferences (CP-11, CP-25)
  'How should we tell you about your case?': 'Sut dylen ni roi gwybod i chi am eich achos?',
  'By email': 'Drwy e-bost',
  'By text message': 'Drwy neges destun',
  'By email and text message': 'Drwy e-bost a neges destun',
  'Quiet hours': 'Oriau tawel',
  'No quiet hours': 'Dim oriau tawel',
  'We will not send updates about your case between these times (UK time). Security messages, such as sign-in codes, still come at once.':
    'Ni fyddwn yn anfon diweddariadau am eich achos rhwng yr amseroedd hyn (amser y DU). Bydd negeseuon diogelwch, fel codau mewngofnodi, yn dal i ddod ar unwaith.',
  'Quiet from': 'Tawel o', // CHECK
  'Quiet until': 'Tawel tan', // CHECK
  'Select how you want us to tell you about your case':
    'Dewiswch sut rydych eisiau i ni roi gwybod i chi am eich achos',
  'Add a mobile number to get text messages, or choose email':
    'Ychwanegwch rif ffôn symudol i gael negeseuon testun, neu dewiswch e-bost',
  'Choose an hour from the list': 'Dewiswch awr o’r rhestr',
  'Choose both when quiet hours start and when they end, or neither':
    'Dewiswch pryd mae’r oriau tawel yn dechrau a phryd maen nhw’n gorffen, neu’r un o’r ddau',
  'Quiet hours must end at a different hour from when they start':
    'Rhaid i’r oriau tawel orffen ar awr wahanol i’r awr y maen nhw’n dechrau',

  // ---- The dashboard and a case (CP-15..18, CP-51, CP-53..58)
  'You last signed in on {date}.': 'Gwnaethoch fewngofnodi ddiwethaf ar {date}.',
  'This is the first time you have signed in.': 'Dyma’r tro cyntaf i chi fewngofnodi.',
  '1 new update': '1 diweddariad newydd',
  '{count} new updates': '{count} diweddariad newydd',
  'View case': 'Gweld yr achos',
  Status: 'Statws',
  'Police force': 'Heddlu',
  'Your role': 'Eich rôl',
  '{role} of {name}': '{role} {name}', // CHECK: "Rhiant neu warcheidwad Sam" reads as "parent or guardian of Sam"
  Victim: 'Dioddefwr',
  Witness: 'Tyst',
  'Parent or guardian': 'Rhiant neu warcheidwad',
  Attorney: 'Atwrnai',
  'Last update': 'Diweddariad diwethaf',
  'No updates yet': 'Dim diweddariadau eto',
  'There are no cases in your account yet.': 'Nid oes unrhyw achosion yn eich cyfrif eto.',
  'Your rights as a victim and support services': 'Eich hawliau fel dioddefwr a gwasanaethau cymorth',
  '{force} online': '{force} ar-lein',
  'Report a crime or incident to {force}': 'Rhoi gwybod i {force} am drosedd neu ddigwyddiad',
  'Advice and information from {force}': 'Cyngor a gwybodaeth gan {force}',
  'Your area: local news, appeals and your neighbourhood team':
    'Eich ardal: newyddion lleol, apeliadau a’ch tîm plismona bro',
  'Contact {force}': 'Cysylltu â {force}',
  Reference: 'Cyfeirnod',
  'Investigating officer': 'Swyddog ymchwilio',
  'Not assigned yet': 'Heb ei neilltuo eto',
  Reported: 'Adroddwyd', // CHECK: the date the crime was reported
  'Not known': 'Ddim yn hysbys',
  'You act for': 'Rydych yn gweithredu ar ran',
  'Download your case details (PDF)': 'Lawrlwytho manylion eich achos (PDF)',
  'Downloaded on {date}. In an emergency, call 999.': 'Lawrlwythwyd ar {date}. Mewn argyfwng, ffoniwch 999.',
  Messages: 'Negeseuon',
  'Messages: {case}': 'Negeseuon: {case}',
  'Messages with your investigating officer': 'Negeseuon gyda’ch swyddog ymchwilio',
  'Messages with your investigating officer about {name}': 'Negeseuon gyda’ch swyddog ymchwilio am {name}',
  Updates: 'Diweddariadau',
  New: 'Newydd',
  'There are no updates yet.': 'Nid oes diweddariadau eto.',
  'Your rights and support': 'Eich hawliau a chymorth',
  'How to complain if your rights are not met': 'Sut i gwyno os na chaiff eich hawliau eu bodloni',
  'Help using this service': 'Help i ddefnyddio’r gwasanaeth hwn',
  // Statuses and updates as a case shows them
  Open: 'Ar agor',
  Closed: 'Ar gau',
  'Under investigation': 'Yn cael ei ymchwilio',
  'Awaiting court': 'Yn aros am y llys',
  'Closed: no further action': 'Ar gau: dim camau pellach',
  'You reported an incident to us': 'Gwnaethoch roi gwybod i ni am ddigwyddiad',
  'Your report was recorded as a crime': 'Cofnodwyd eich adroddiad fel trosedd',
  'An investigating officer was assigned to your case': 'Neilltuwyd swyddog ymchwilio i’ch achos',
  'The status of your case changed to: {status}': 'Newidiodd statws eich achos i: {status}',
  'Your case was closed': 'Caewyd eich achos',
  'The incident was closed': 'Caewyd y digwyddiad',
  'The incident was reported to us': 'Rhoddwyd gwybod i ni am y digwyddiad',
  'The report was recorded as a crime': 'Cofnodwyd yr adroddiad fel trosedd',
  'An investigating officer was assigned to the case': 'Neilltuwyd swyddog ymchwilio i’r achos',
  'The status of the case changed to: {status}': 'Newidiodd statws yr achos i: {status}',
  'The case was closed': 'Caewyd yr achos',

  // ---- Messages with the officer (CP-95..103)
  'Back to your case': 'Yn ôl i’ch achos',
  'The message was deleted from your messages': 'Cafodd y neges ei dileu o’ch negeseuon',
  'The message was marked as read': 'Cafodd y neges ei marcio fel un wedi’i darllen',
  'The message was marked as unread': 'Cafodd y neges ei marcio fel un heb ei darllen',
  'Your investigating officer is {name}.': 'Eich swyddog ymchwilio yw {name}.',
  'How messaging works': 'Sut mae negeseuon yn gweithio',
  'Your officer aims to reply within {span} ({from} to {to}, Monday to Friday, not bank holidays). They may be on leave or working shifts.':
    'Mae eich swyddog yn anelu at ateb o fewn {span} ({from} i {to}, dydd Llun i ddydd Gwener, nid ar wyliau banc). Efallai y bydd ar wyliau neu’n gweithio shifftiau.',
  '1 working day': '1 diwrnod gwaith',
  '{count} working days': '{count} diwrnod gwaith',
  '{count} working hours': '{count} awr waith',
  'Use messages for questions about this case, or to give your officer information about it. Messages are added to the police record of your case.':
    'Defnyddiwch negeseuon ar gyfer cwestiynau am yr achos hwn, neu i roi gwybodaeth amdano i’ch swyddog. Caiff negeseuon eu hychwanegu at gofnod yr heddlu o’ch achos.',
  'Do not use messages to report something new or urgent. If you are in danger now, call 999. To report something new, <a class="govuk-link" href="{href}">report it online</a> or call 101.':
    'Peidiwch â defnyddio negeseuon i roi gwybod am rywbeth newydd neu frys. Os ydych mewn perygl nawr, ffoniwch 999. I roi gwybod am rywbeth newydd, <a class="govuk-link" href="{href}">rhowch wybod ar-lein</a> neu ffoniwch 101.',
  'We will email you when your officer sends you a message. The email will not say what the message is. We do not send these emails late at night.':
    'Byddwn yn anfon e-bost atoch pan fydd eich swyddog yn anfon neges atoch. Ni fydd yr e-bost yn dweud beth yw’r neges. Nid ydym yn anfon yr e-byst hyn yn hwyr yn y nos.',
  'Your messages': 'Eich negeseuon',
  'There are no messages yet.': 'Nid oes negeseuon eto.',
  'You wrote, {date}': 'Gwnaethoch ysgrifennu, {date}',
  '{name} wrote, {date}': 'Ysgrifennodd {name}, {date}',
  Unread: 'Heb ei darllen',
  'Asks for information': 'Yn gofyn am wybodaeth',
  'Information about your case': 'Gwybodaeth am eich achos',
  'Information you sent': 'Gwybodaeth a anfonwyd gennych',
  'Mark as unread': 'Marcio fel heb ei darllen',
  'Mark as read': 'Marcio fel wedi’i darllen',
  'the message of {date}': 'y neges ar {date}',
  Delete: 'Dileu',
  'Your officer withdrew this message.': 'Tynnodd eich swyddog y neges hon yn ôl.',
  'Your officer changed this message after sending it.':
    'Newidiodd eich swyddog y neges hon ar ôl ei hanfon.',
  'Send the information your officer asked for': 'Anfon y wybodaeth y gofynnodd eich swyddog amdani',
  'Send a message': 'Anfon neges',
  'Your message': 'Eich neges',
  'Write in English. Between {min} and {max} characters. Do not include bank details or passwords.':
    'Ysgrifennwch yn Saesneg. Rhwng {min} a {max} nod. Peidiwch â chynnwys manylion banc na chyfrineiriau.', // CHECK: the force reads English; a force may accept Welsh
  'Send message': 'Anfon neges',
  'To report something new, <a class="govuk-link" href="{href}">report it online</a> or call 101. In an emergency call 999.':
    'I roi gwybod am rywbeth newydd, <a class="govuk-link" href="{href}">rhowch wybod ar-lein</a> neu ffoniwch 101. Mewn argyfwng, ffoniwch 999.',
  'As a witness you cannot send messages here. Your investigating officer or the witness care unit will contact you.':
    'Fel tyst, ni allwch anfon negeseuon yma. Bydd eich swyddog ymchwilio neu’r uned gofal tystion yn cysylltu â chi.',
  'You can send messages once an investigating officer is assigned to your case.':
    'Gallwch anfon negeseuon unwaith y bydd swyddog ymchwilio wedi’i neilltuo i’ch achos.',
  'You cannot send messages about this case because it is closed or has gone to court. If something new has happened, report it.':
    'Ni allwch anfon negeseuon am yr achos hwn oherwydd ei fod ar gau neu wedi mynd i’r llys. Os oes rhywbeth newydd wedi digwydd, rhowch wybod amdano.',
  'You can send messages once your report is recorded as a crime and an investigating officer is assigned.':
    'Gallwch anfon negeseuon unwaith y bydd eich adroddiad wedi’i gofnodi fel trosedd a swyddog ymchwilio wedi’i neilltuo.',
  'Enter your message': 'Rhowch eich neges',
  'Your message must be at least {count} characters': 'Rhaid i’ch neges fod o leiaf {count} nod',
  'Your message must be {count} characters or fewer': 'Rhaid i’ch neges fod yn {count} nod neu lai',
  'The request for information was not found': 'Heb ddod o hyd i’r cais am wybodaeth',
  'The message was not found': 'Heb ddod o hyd i’r neges',
  'Message sent': 'Neges wedi’i hanfon',
  'Sent to your investigating officer on {date}': 'Anfonwyd at eich swyddog ymchwilio ar {date}',
  'If something new has happened, report it': 'Os oes rhywbeth newydd wedi digwydd, rhowch wybod amdano',
  'If you are in danger now, call 999.': 'Os ydych mewn perygl nawr, ffoniwch 999.',
  'If something new has happened, report it separately so it can be dealt with: your officer may not read this message straight away. If you are in danger now, call 999. Otherwise report it online or call 101.':
    'Os oes rhywbeth newydd wedi digwydd, rhowch wybod amdano ar wahân fel y gellir delio ag ef: efallai na fydd eich swyddog yn darllen y neges hon yn syth. Os ydych mewn perygl nawr, ffoniwch 999. Fel arall, rhowch wybod ar-lein neu ffoniwch 101.',
  'Report a crime or incident online': 'Rhoi gwybod am drosedd neu ddigwyddiad ar-lein',
  'What happens next': 'Beth sy’n digwydd nesaf',
  'Your message has been added to the record of your case.':
    'Mae eich neges wedi’i hychwanegu at gofnod eich achos.',
  'We will email you when your officer replies.':
    'Byddwn yn anfon e-bost atoch pan fydd eich swyddog yn ateb.',
  'Back to your messages': 'Yn ôl i’ch negeseuon',
  'Your officer asked on {date}:': 'Gofynnodd eich swyddog ar {date}:',
  'The information': 'Y wybodaeth',
  'Write it as text. It is added to the record of your case.':
    'Ysgrifennwch hi fel testun. Caiff ei hychwanegu at gofnod eich achos.',
  'Send information': 'Anfon gwybodaeth',
  'Your message could not be sent after {count} tries': 'Nid oedd modd anfon eich neges ar ôl {count} cynnig',
  'Copy what you wrote so you do not lose it:': 'Copïwch yr hyn a ysgrifennoch fel nad ydych yn ei golli:',
  '<a class="govuk-link" href="{href}">Get help with sending messages</a>, or contact {force} on 101 and say you could not send a message about {reference}.':
    '<a class="govuk-link" href="{href}">Cael help i anfon negeseuon</a>, neu cysylltwch â {force} ar 101 a dywedwch nad oedd modd i chi anfon neges am {reference}.',
  'Try again with a new message': 'Rhoi cynnig arall arni gyda neges newydd',
  // GOV.UK Frontend's character count
  'You can enter up to {count} characters': 'Gallwch roi hyd at {count} nod',
  'You have {count} characters remaining': 'Mae gennych {count} nod ar ôl',
  'You have 0 characters remaining': 'Mae gennych 0 nod ar ôl',
  'You have {count} characters too many': 'Mae gennych {count} nod yn ormod',

  // ---- The account and its settings (CP-25..33)
  'Your details': 'Eich manylion',
  'First name': 'Enw cyntaf',
  'Last name': 'Cyfenw',
  Address: 'Cyfeiriad',
  'Contact phone number': 'Rhif ffôn cyswllt',
  'Not given': 'Heb ei roi',
  'Change your details': 'Newid eich manylion',
  'Signing in': 'Mewngofnodi',
  'How you sign in': 'Sut rydych yn mewngofnodi',
  'GOV.UK One Login': 'GOV.UK One Login',
  'Email address, password and a security code': 'Cyfeiriad e-bost, cyfrinair a chod diogelwch',
  'Mobile number': 'Rhif ffôn symudol',
  'Change your email address, phone number or password in <a class="govuk-link" href="https://home.account.gov.uk/">your GOV.UK One Login</a>. We will see the change the next time you sign in.':
    'Newidiwch eich cyfeiriad e-bost, eich rhif ffôn neu’ch cyfrinair yn <a class="govuk-link" href="https://home.account.gov.uk/">eich GOV.UK One Login</a>. Byddwn yn gweld y newid y tro nesaf y byddwch yn mewngofnodi.',
  'Change your email address': 'Newid eich cyfeiriad e-bost',
  'Change your mobile number': 'Newid eich rhif ffôn symudol',
  'Add a mobile number': 'Ychwanegu rhif ffôn symudol',
  'Change your password': 'Newid eich cyfrinair',
  'How we contact you': 'Sut rydym yn cysylltu â chi',
  'Updates about your case': 'Diweddariadau am eich achos',
  '{from} to {to}': '{from} tan {to}',
  None: 'Dim',
  'Change how we contact you': 'Newid sut rydym yn cysylltu â chi',
  'Terms and policies': 'Telerau a pholisïau',
  first: 'cyntaf',
  'You accepted the terms of use (version {terms}), privacy notice (version {privacy}) and cookies policy (version {cookies}) on {date}.':
    'Gwnaethoch dderbyn y telerau defnyddio (fersiwn {terms}), yr hysbysiad preifatrwydd (fersiwn {privacy}) a’r polisi cwcis (fersiwn {cookies}) ar {date}.',
  'You accepted the terms of use (version {terms}), privacy notice (version {privacy}) and cookies policy (version {cookies}).':
    'Gwnaethoch dderbyn y telerau defnyddio (fersiwn {terms}), yr hysbysiad preifatrwydd (fersiwn {privacy}) a’r polisi cwcis (fersiwn {cookies}).',
  'Help and deleting your account': 'Help a dileu eich cyfrif',
  'Help with your account': 'Help gyda’ch cyfrif',
  'Delete your account': 'Dileu eich cyfrif',
  'Back to your cases': 'Yn ôl i’ch achosion',
  'Your email address has been changed. Sign in with it from now on. We have told you at your old and new addresses.':
    'Mae eich cyfeiriad e-bost wedi’i newid. Mewngofnodwch ag ef o hyn ymlaen. Rydym wedi rhoi gwybod i chi yn eich hen gyfeiriad a’ch cyfeiriad newydd.',
  'Your mobile number has been changed. We have sent you a message to confirm.':
    'Mae eich rhif ffôn symudol wedi’i newid. Rydym wedi anfon neges atoch i gadarnhau.',
  'Your changes have been saved. We have sent you a message to confirm.':
    'Mae eich newidiadau wedi’u cadw. Rydym wedi anfon neges atoch i gadarnhau.',
  'The police forces dealing with your cases will be told of any change.':
    'Bydd yr heddluoedd sy’n delio â’ch achosion yn cael gwybod am unrhyw newid.',
  'If you cannot save your changes, <a class="govuk-link" href="/portal/account/help">get help with your account</a>.':
    'Os na allwch gadw eich newidiadau, <a class="govuk-link" href="/portal/account/help">cewch help gyda’ch cyfrif</a>.',
  'For example, 01632 960 001 or 07700 900 982': 'Er enghraifft, 01632 960 001 neu 07700 900 982',
  'Save changes': 'Cadw newidiadau',
  'Back to your account': 'Yn ôl i’ch cyfrif',
  'First name must be 100 characters or fewer': 'Rhaid i’r enw cyntaf fod yn 100 nod neu lai',
  'Last name must be 100 characters or fewer': 'Rhaid i’r cyfenw fod yn 100 nod neu lai',
  'Address must be 500 characters or fewer': 'Rhaid i’r cyfeiriad fod yn 500 nod neu lai',
  'Enter a UK phone number, like 01632 960 001, 07700 900 982 or +44 7700 900 982':
    'Rhowch rif ffôn yn y DU, fel 01632 960 001, 07700 900 982 neu +44 7700 900 982',
  'New email address': 'Cyfeiriad e-bost newydd',
  'We will send a code to it. You will sign in with it and get emails from us at it.':
    'Byddwn yn anfon cod ato. Byddwch yn mewngofnodi ag ef ac yn cael e-byst gennym ynddo.',
  'New UK mobile number': 'Rhif ffôn symudol newydd yn y DU',
  'We will send a code to it. Security codes and text messages from us go to it. For example, 07700 900 982.':
    'Byddwn yn anfon cod ato. Bydd codau diogelwch a negeseuon testun gennym yn mynd iddo. Er enghraifft, 07700 900 982.',
  'For your security, enter your password too. The police forces dealing with your cases will be told of the change, and we will tell you at your current details as well.':
    'Er eich diogelwch, rhowch eich cyfrinair hefyd. Bydd yr heddluoedd sy’n delio â’ch achosion yn cael gwybod am y newid, a byddwn yn rhoi gwybod i chi drwy eich manylion presennol hefyd.',
  'Your password': 'Eich cyfrinair',
  'Send a code': 'Anfon cod',
  'Enter your new email address': 'Rhowch eich cyfeiriad e-bost newydd',
  'Enter an email address that is not the one you use now':
    'Rhowch gyfeiriad e-bost nad yw’r un rydych yn ei ddefnyddio nawr',
  'Enter your new mobile number': 'Rhowch eich rhif ffôn symudol newydd',
  'Enter a mobile number that is not the one you use now':
    'Rhowch rif ffôn symudol nad yw’r un rydych yn ei ddefnyddio nawr',
  'Enter your password': 'Rhowch eich cyfrinair',
  'The password is not right': 'Nid yw’r cyfrinair yn gywir',
  'Change this in GOV.UK One Login': 'Newidiwch hyn yn GOV.UK One Login',
  'You sign in with GOV.UK One Login, so your email address, phone number and password are kept there. Change them in <a class="govuk-link" href="https://home.account.gov.uk/">your GOV.UK One Login</a>. We will see the change the next time you sign in.':
    'Rydych yn mewngofnodi gyda GOV.UK One Login, felly caiff eich cyfeiriad e-bost, eich rhif ffôn a’ch cyfrinair eu cadw yno. Newidiwch nhw yn <a class="govuk-link" href="https://home.account.gov.uk/">eich GOV.UK One Login</a>. Byddwn yn gweld y newid y tro nesaf y byddwch yn mewngofnodi.',
  'Change your sign-in details in your GOV.UK One Login.':
    'Newidiwch eich manylion mewngofnodi yn eich GOV.UK One Login.',
  'Change your password in your GOV.UK One Login.': 'Newidiwch eich cyfrinair yn eich GOV.UK One Login.',
  'You will be signed out everywhere, here too, and sign in again with the new password. We will tell you that it was changed.':
    'Byddwch yn cael eich allgofnodi ym mhobman, yma hefyd, ac yn mewngofnodi eto gyda’r cyfrinair newydd. Byddwn yn rhoi gwybod i chi ei fod wedi’i newid.',
  'Current password': 'Cyfrinair presennol',
  'At least 12 characters. A few words you will remember make a strong password.':
    'O leiaf 12 nod. Mae ychydig o eiriau y byddwch yn eu cofio yn gwneud cyfrinair cryf.',
  'Confirm the new password': 'Cadarnhewch y cyfrinair newydd',
  'Enter your current password': 'Rhowch eich cyfrinair presennol',
  'The current password is not right': 'Nid yw’r cyfrinair presennol yn gywir',
  'Your password has been changed': 'Mae eich cyfrinair wedi’i newid',
  'You have been signed out on every device. We have sent you a message to confirm the change.':
    'Rydych wedi cael eich allgofnodi ar bob dyfais. Rydym wedi anfon neges atoch i gadarnhau’r newid.',
  'If you did not change it, <a class="govuk-link" href="/portal/account/help">get help with your account</a> straight away.':
    'Os na wnaethoch chi ei newid, <a class="govuk-link" href="/portal/account/help">cewch help gyda’ch cyfrif</a> ar unwaith.',
  'Sign in with your new password': 'Mewngofnodi gyda’ch cyfrinair newydd',
  'If a change will not save': 'Os na fydd newid yn cadw',
  'Check the messages at the top of the form: each one says what to correct. Names can be up to 100 characters and an address up to 500. A phone number must be a UK number.':
    'Gwiriwch y negeseuon ar frig y ffurflen: mae pob un yn dweud beth i’w gywiro. Gall enwau fod hyd at 100 nod a chyfeiriad hyd at 500. Rhaid i rif ffôn fod yn rhif yn y DU.',
  'Changing your email address, phone number or password':
    'Newid eich cyfeiriad e-bost, eich rhif ffôn neu’ch cyfrinair',
  'If you sign in with GOV.UK One Login, change these in <a class="govuk-link" href="https://home.account.gov.uk/">your GOV.UK One Login</a>. We see the change the next time you sign in.':
    'Os ydych yn mewngofnodi gyda GOV.UK One Login, newidiwch y rhain yn <a class="govuk-link" href="https://home.account.gov.uk/">eich GOV.UK One Login</a>. Byddwn yn gweld y newid y tro nesaf y byddwch yn mewngofnodi.',
  'If you sign in with an email address and password, contact the officer dealing with your case and they will help you.':
    'Os ydych yn mewngofnodi gyda chyfeiriad e-bost a chyfrinair, cysylltwch â’r swyddog sy’n delio â’ch achos a bydd yn eich helpu.',
  'If you did not get a security code': 'Os na chawsoch god diogelwch',
  'Codes can take a few minutes to arrive. Check your junk email folder. Each code lasts 10 minutes; start signing in again to get a new one.':
    'Gall codau gymryd ychydig funudau i gyrraedd. Gwiriwch eich ffolder e-bost sothach. Mae pob cod yn para 10 munud; dechreuwch fewngofnodi eto i gael un newydd.',
  'If you have been signed out': 'Os ydych wedi cael eich allgofnodi',
  'We sign you out after 30 minutes without activity, to keep your account safe.':
    'Rydym yn eich allgofnodi ar ôl 30 munud heb weithgarwch, i gadw’ch cyfrif yn ddiogel.',
  'If you still need help': 'Os oes angen help arnoch o hyd',
  'Contact the police force dealing with your case on 101, or the officer named on your case page. In an emergency, call 999.':
    'Cysylltwch â’r heddlu sy’n delio â’ch achos ar 101, neu’r swyddog a enwir ar dudalen eich achos. Mewn argyfwng, ffoniwch 999.',
  'If you delete your account:': 'Os byddwch yn dileu eich cyfrif:',
  'your sign-in details, your details and your settings are deleted':
    'caiff eich manylion mewngofnodi, eich manylion a’ch gosodiadau eu dileu',
  'you can no longer follow your cases or message officers online':
    'ni allwch ddilyn eich achosion nac anfon negeseuon at swyddogion ar-lein mwyach',
  'the police forces dealing with your cases are told, and keep their own records of your cases as the law requires':
    'caiff yr heddluoedd sy’n delio â’ch achosion wybod, ac maen nhw’n cadw eu cofnodion eu hunain o’ch achosion fel y mae’r gyfraith yn ei gwneud yn ofynnol',
  'we still contact you about your cases by text message or email':
    'byddwn yn dal i gysylltu â chi am eich achosion drwy neges destun neu e-bost',
  'Are you sure?': 'Ydych chi’n siŵr?',
  'I want to delete my account': 'Rwyf eisiau dileu fy nghyfrif',
  'Delete my account': 'Dileu fy nghyfrif',
  'Keep my account': 'Cadw fy nghyfrif',
  'Confirm that you want to delete your account': 'Cadarnhewch eich bod eisiau dileu eich cyfrif',
  'Your account has been deleted': 'Mae eich cyfrif wedi’i ddileu',
  'We have sent you a message to confirm. The police forces dealing with your cases will still contact you about them by text message or email.':
    'Rydym wedi anfon neges atoch i gadarnhau. Bydd yr heddluoedd sy’n delio â’ch achosion yn dal i gysylltu â chi amdanynt drwy neges destun neu e-bost.',

  // ---- The force's pages and feedback (decision 0035)
  'These pages are on the website of {force}, part of the police’s Single Online Home.':
    'Mae’r tudalennau hyn ar wefan {force}, sy’n rhan o Gartref Ar-lein Unigol yr heddlu.', // CHECK: Single Online Home
  'Contact {force} online': 'Cysylltu â {force} ar-lein',
  'Tell us what you think of this service': 'Dywedwch wrthym beth yw eich barn am y gwasanaeth hwn',
  'Give feedback on this service': 'Rhoi adborth am y gwasanaeth hwn',
  'Thank you for your feedback': 'Diolch am eich adborth',
  'We use it to improve this service.': 'Rydym yn ei ddefnyddio i wella’r gwasanaeth hwn.',
  'We cannot reply to feedback. If you need help with your case, <a class="govuk-link" href="{href}">get help</a> or contact {force}.':
    'Ni allwn ateb adborth. Os oes angen help arnoch gyda’ch achos, <a class="govuk-link" href="{href}">cewch help</a> neu cysylltwch â {force}.',
  'Go to your cases': 'Mynd i’ch achosion',
  'Your answers do not include your name or account. Do not include personal information, such as your name, address or case details.':
    'Nid yw eich atebion yn cynnwys eich enw na’ch cyfrif. Peidiwch â chynnwys gwybodaeth bersonol, fel eich enw, eich cyfeiriad neu fanylion eich achos.',
  'Overall, how do you feel about this service?':
    'Yn gyffredinol, sut ydych chi’n teimlo am y gwasanaeth hwn?',
  'Very satisfied': 'Bodlon iawn',
  Satisfied: 'Bodlon',
  'Neither satisfied nor dissatisfied': 'Ddim yn fodlon nac yn anfodlon',
  Dissatisfied: 'Anfodlon',
  'Very dissatisfied': 'Anfodlon iawn',
  'Could you do what you needed to? (optional)':
    'Oeddech chi’n gallu gwneud yr hyn yr oedd angen i chi ei wneud? (dewisol)',
  Yes: 'Oeddwn', // CHECK: answers "Could you do what you needed to?"
  Partly: 'Yn rhannol',
  No: 'Nac oeddwn', // CHECK: answers "Could you do what you needed to?"
  'How could we improve this service? (optional)': 'Sut gallem wella’r gwasanaeth hwn? (dewisol)',
  'Send feedback': 'Anfon adborth',
  'Select how you feel about this service': 'Dewiswch sut rydych yn teimlo am y gwasanaeth hwn',
  'Select whether you could do what you needed to':
    'Dewiswch a oeddech chi’n gallu gwneud yr hyn yr oedd angen i chi ei wneud',
  'Your comments must be {count} characters or fewer': 'Rhaid i’ch sylwadau fod yn {count} nod neu lai',

  // ---- Cookies and privacy
  'Cookies are small files saved on your phone, tablet or computer when you visit a website.':
    'Ffeiliau bach yw cwcis sy’n cael eu cadw ar eich ffôn, eich llechen neu’ch cyfrifiadur pan fyddwch yn ymweld â gwefan.',
  'Waypoint uses only essential cookies. They keep you signed in and protect your forms. We do not use cookies to track you or to measure how you use the site, so we do not ask for your consent.':
    'Dim ond cwcis hanfodol y mae Waypoint yn eu defnyddio. Maen nhw’n eich cadw wedi mewngofnodi ac yn diogelu eich ffurflenni. Nid ydym yn defnyddio cwcis i’ch olrhain nac i fesur sut rydych yn defnyddio’r wefan, felly nid ydym yn gofyn am eich caniatâd.',
  'Essential cookies': 'Cwcis hanfodol',
  'Cookies Waypoint sets': 'Cwcis y mae Waypoint yn eu gosod',
  Name: 'Enw',
  Purpose: 'Diben',
  Expires: 'Yn dod i ben',
  'Keeps you signed in': 'Yn eich cadw wedi mewngofnodi',
  'When you sign out, or after a period without activity':
    'Pan fyddwch yn allgofnodi, neu ar ôl cyfnod heb weithgarwch',
  'Checks that a form you send came from this site':
    'Yn gwirio bod ffurflen rydych yn ei hanfon wedi dod o’r wefan hon',
  'When you close your browser': 'Pan fyddwch yn cau eich porwr',
  'Remembers whether you chose Welsh or English, only if you use the Cymraeg / English link':
    'Yn cofio a ddewisoch Gymraeg neu Saesneg, dim ond os byddwch yn defnyddio’r ddolen Cymraeg / English',
  'After 1 year': 'Ar ôl blwyddyn',
  'The Exit this page button takes you quickly to another website. It does not set a cookie. Your browser history still shows the pages you visited: use private browsing if you are worried someone may check.':
    'Mae’r botwm Gadael y dudalen hon yn mynd â chi’n gyflym i wefan arall. Nid yw’n gosod cwci. Mae hanes eich porwr yn dal i ddangos y tudalennau y buoch arnynt: defnyddiwch bori preifat os ydych yn poeni y gallai rhywun wirio.',
  'How {force} uses your information to keep you updated about a crime or incident you reported or were a victim of.':
    'Sut mae {force} yn defnyddio eich gwybodaeth i roi’r newyddion diweddaraf i chi am drosedd neu ddigwyddiad y gwnaethoch roi gwybod amdano neu yr oeddech yn ddioddefwr ohono.',
  'How your police force uses your information to keep you updated about a crime or incident you reported or were a victim of.':
    'Sut mae eich heddlu yn defnyddio eich gwybodaeth i roi’r newyddion diweddaraf i chi am drosedd neu ddigwyddiad y gwnaethoch roi gwybod amdano neu yr oeddech yn ddioddefwr ohono.',
  'Who is responsible for your information': 'Pwy sy’n gyfrifol am eich gwybodaeth',
  'The chief constable of {force} is the controller of your personal data.':
    'Prif gwnstabl {force} yw rheolydd eich data personol.',
  'The chief constable of the police force dealing with your case is the controller of your personal data.':
    'Prif gwnstabl yr heddlu sy’n delio â’ch achos yw rheolydd eich data personol.',
  'Waypoint is the system the force uses to send you updates, run the victim portal and answer your calls and messages. The force’s data protection officer makes sure it is used lawfully.':
    'Waypoint yw’r system y mae’r heddlu’n ei defnyddio i anfon diweddariadau atoch, i redeg y porth dioddefwyr ac i ateb eich galwadau a’ch negeseuon. Mae swyddog diogelu data’r heddlu yn sicrhau ei bod yn cael ei defnyddio’n gyfreithlon.',
  'What we keep': 'Beth rydym yn ei gadw',
  'your name and how to contact you: mobile number, email address, and whether it is safe to contact you there':
    'eich enw a sut i gysylltu â chi: rhif ffôn symudol, cyfeiriad e-bost, ac a yw’n ddiogel cysylltu â chi yno',
  'the reference numbers of your incident or crime, what stage it has reached and who is dealing with it':
    'cyfeirnodau eich digwyddiad neu drosedd, pa gam y mae wedi’i gyrraedd a phwy sy’n delio ag ef',
  'the texts and emails we send you, and whether they were delivered':
    'y negeseuon testun a’r e-byst rydym yn eu hanfon atoch, ac a gawsant eu danfon',
  'messages you send to the officer in your case, and their replies':
    'negeseuon rydych yn eu hanfon at y swyddog yn eich achos, a’i atebion',
  'if you use the portal: your account, when you signed in and what you looked at':
    'os ydych yn defnyddio’r porth: eich cyfrif, pryd y gwnaethoch fewngofnodi a beth y gwnaethoch edrych arno',
  'if you contact us: a record of the call, chat or message and what we did about it':
    'os byddwch yn cysylltu â ni: cofnod o’r alwad, y sgwrs neu’r neges a beth a wnaethom yn ei chylch',
  'Every time a member of staff looks at or changes your record, Waypoint records who did it and when.':
    'Bob tro y bydd aelod o staff yn edrych ar eich cofnod neu’n ei newid, mae Waypoint yn cofnodi pwy wnaeth hynny a phryd.',
  'Why we use it': 'Pam rydym yn ei defnyddio',
  'We use your information to give you the updates the Code of Practice for Victims of Crime in England and Wales (the Victims’ Code) says you are entitled to, to let you contact the officer dealing with your case, and to respond when you contact us. This is law enforcement processing under Part 3 of the Data Protection Act 2018.':
    'Rydym yn defnyddio eich gwybodaeth i roi’r diweddariadau i chi y mae’r Cod Ymarfer ar gyfer Dioddefwyr Troseddau yng Nghymru a Lloegr (Cod y Dioddefwyr) yn dweud bod gennych hawl iddynt, i adael i chi gysylltu â’r swyddog sy’n delio â’ch achos, ac i ymateb pan fyddwch yn cysylltu â ni. Prosesu at ddibenion gorfodi’r gyfraith o dan Ran 3 o Ddeddf Diogelu Data 2018 yw hyn.',
  'Who we share it with': 'Gyda phwy rydym yn ei rhannu',
  'Your information stays with {force}.': 'Mae eich gwybodaeth yn aros gyda {force}.',
  'Your information stays with the force dealing with your case.':
    'Mae eich gwybodaeth yn aros gyda’r heddlu sy’n delio â’ch achos.',
  'Another police force can see it only when there is a formal agreement to share records for a stated purpose, for example when a crime crosses force borders. Every time another force reads your record, it is recorded. We use GOV.UK Notify to send texts and emails.':
    'Dim ond pan fydd cytundeb ffurfiol i rannu cofnodion at ddiben penodol y gall heddlu arall ei gweld, er enghraifft pan fydd trosedd yn croesi ffiniau heddluoedd. Bob tro y bydd heddlu arall yn darllen eich cofnod, caiff hynny ei gofnodi. Rydym yn defnyddio GOV.UK Notify i anfon negeseuon testun ac e-byst.',
  'How long we keep it': 'Am ba hyd rydym yn ei chadw',
  'We keep your information for as long as the force’s records management policy says, following the national rules on police information (Management of Police Information). Messages and contact records are deleted or anonymised automatically when that time ends.':
    'Rydym yn cadw eich gwybodaeth cyhyd ag y mae polisi rheoli cofnodion yr heddlu yn ei ddweud, gan ddilyn y rheolau cenedlaethol ar wybodaeth yr heddlu (Rheoli Gwybodaeth yr Heddlu). Caiff negeseuon a chofnodion cyswllt eu dileu neu eu gwneud yn ddienw yn awtomatig pan ddaw’r cyfnod hwnnw i ben.',
  'Your rights': 'Eich hawliau',
  'You can ask to:': 'Gallwch ofyn i:',
  'see the information we hold about you': 'weld yr wybodaeth sydd gennym amdanoch',
  'have information corrected if it is wrong': 'gael cywiro gwybodaeth os yw’n anghywir',
  'have information deleted or its use restricted': 'gael dileu gwybodaeth neu gyfyngu ar ei defnydd',
  'stop getting text or email updates (reply STOP to a text message)':
    'roi’r gorau i gael diweddariadau drwy neges destun neu e-bost (atebwch STOP i neges destun)',
  'Some rights may be limited if using them would harm an investigation.':
    'Gall rhai hawliau fod yn gyfyngedig os byddai eu defnyddio yn niweidio ymchwiliad.',
  'Contact us or complain': 'Cysylltu â ni neu gwyno',
  'To use your rights, contact {force} and ask for the data protection officer.':
    'I ddefnyddio eich hawliau, cysylltwch â {force} a gofynnwch am y swyddog diogelu data.',
  'your police force': 'eich heddlu',
  'Phone: {phone}': 'Ffôn: {phone}',
  'Email:': 'E-bost:',
  'If you are unhappy with how we have used your information, you can complain to the <a class="govuk-link" href="https://ico.org.uk/make-a-complaint/" rel="noreferrer noopener">Information Commissioner’s Office</a>.':
    'Os nad ydych yn hapus â sut rydym wedi defnyddio eich gwybodaeth, gallwch gwyno i <a class="govuk-link" href="https://ico.org.uk/make-a-complaint/" rel="noreferrer noopener">Swyddfa’r Comisiynydd Gwybodaeth</a>.',
}

/** The English catalogue: the message ids themselves, as the pages say them. */
export const en: Readonly<Record<string, string>> = Object.fromEntries(Object.keys(cy).map((k) => [k, k]))
