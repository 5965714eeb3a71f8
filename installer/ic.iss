; Inno Setup script of the Windows build in CI (.github/workflows/windows.yml, issue #14).
; Packs the PyInstaller folder dist\IntegrationConsultant (installer/ic.spec):
;
;     iscc /DAppVersion=0.1.0 installer\ic.iss   ->  dist\inno\IntegrationConsultant-0.1.0-setup.exe
;
; - per user, no administrator rights (PrivilegesRequired=lowest): the program goes to
;   {autopf} = %LOCALAPPDATA%\Programs, the Start menu entry to {autoprograms} = the user's
;   Start menu, the file types to HKCU\Software\Classes;
; - a fixed AppId: a newer version installs over the older one (same folder, same
;   uninstaller entry) and replaces its files;
; - .icsync (a provider's package) and .icack (the centre's acknowledgement) open the
;   window with the file loaded (`IntegrationConsultant.exe FILE`, app/cli.py);
; - the uninstaller removes what Setup installed and nothing else: the data folder
;   %LOCALAPPDATA%\IntegrationConsultant (database, keys, backups, logs) is never listed in
;   [UninstallDelete] and stays.
; Saved as UTF-8 with a byte-order mark (the Russian names).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Интеграционный консультант"
#define AppExe "IntegrationConsultant.exe"
#define Bundle "..\dist\IntegrationConsultant"

[Setup]
; Never change it: Windows knows the installed program by it.
AppId={{A5D6C0FA-A668-45A6-9594-3AA7C5D782BC}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Integration Consultant
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
; /CURRENTUSER on the command line (the CI's silent install) is accepted.
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
ChangesAssociations=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist\inno
OutputBaseFilename=IntegrationConsultant-{#AppVersion}-setup
SetupIconFile=ic.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "russian"; MessagesFile: "compiler:Languages\Russian.isl"

[InstallDelete]
; The previous version's files go first: a module it had and this one has not must not stay.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"

[Registry]
Root: HKCU; Subkey: "Software\Classes\.icsync"; ValueType: string; ValueName: ""; ValueData: "IntegrationConsultant.Package"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\IntegrationConsultant.Package"; ValueType: string; ValueName: ""; ValueData: "Пакет обмена поставщика (Интеграционный консультант)"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\IntegrationConsultant.Package\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKCU; Subkey: "Software\Classes\IntegrationConsultant.Package\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKCU; Subkey: "Software\Classes\.icack"; ValueType: string; ValueName: ""; ValueData: "IntegrationConsultant.Ack"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\IntegrationConsultant.Ack"; ValueType: string; ValueName: ""; ValueData: "Подтверждение центра (Интеграционный консультант)"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\IntegrationConsultant.Ack\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKCU; Subkey: "Software\Classes\IntegrationConsultant.Ack\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
